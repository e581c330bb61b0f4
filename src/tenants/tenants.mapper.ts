import type { TenantDto } from './dto/tenant.dto';
import type { Tenant } from './entities/tenant.entity';

export function toTenantDto(tenant: Tenant): TenantDto {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    settings: tenant.settings ?? {},
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}
