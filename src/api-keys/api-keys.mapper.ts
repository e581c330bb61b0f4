import type { ApiKeyDto } from './dto/api-key.dto';
import type { ApiKey } from './entities/api-key.entity';

/** Never the key nor its hash. */
export function toApiKeyDto(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    prefix: key.prefix,
    name: key.name,
    scopes: [...key.scopes].sort(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
  };
}
