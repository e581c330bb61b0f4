import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { BadInput, NotFound } from '../common/errors/domain-errors';
import { type Page, PageQueryDto, pageOf } from '../common/http/page';
import { PrivilegeService } from '../rbac/privilege.service';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { newApiKey } from './api-key-secret';
import { ApiKeysRepository } from './api-keys.repository';
import { toApiKeyDto } from './api-keys.mapper';
import type { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';

/**
 * The caller's own API keys. They live in the owner's tenant (whatever tenant a platform admin acts in)
 * and act as the owner narrowed to their scopes.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: ApiKeysRepository,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly privileges: PrivilegeService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  async create(dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const owner = this.context.requirePrincipal();
    if (dto.expiresAt && dto.expiresAt.getTime() <= Date.now()) throw new BadInput('expiresAt must be in the future');
    await this.privileges.assertCanGrant(dto.scopes, 'apikey.create');
    const { key, prefix, hash } = newApiKey();
    const created = await this.dataSource.transaction(async (manager) => {
      const row = await this.keys.insert(manager, {
        tenantId: owner.homeTenantId,
        userId: owner.userId,
        name: dto.name,
        prefix,
        keyHash: hash,
        scopes: [...dto.scopes].sort(),
        expiresAt: dto.expiresAt ?? null,
      });
      await this.audit.record(
        {
          tenantId: owner.homeTenantId,
          action: 'apikey.created',
          targetId: row.id,
          targetType: 'api_key',
          metadata: { scopes: row.scopes, expiresAt: row.expiresAt?.toISOString() ?? null },
        },
        manager,
      );
      return row;
    });
    return { ...toApiKeyDto(created), key };
  }

  async listOwn(query: PageQueryDto): Promise<Page<ApiKeyDto>> {
    const owner = this.context.requirePrincipal();
    const { keys, total } = await this.keys.listActive(
      owner.homeTenantId,
      owner.userId,
      (query.page - 1) * query.pageSize,
      query.pageSize,
    );
    return pageOf(keys.map(toApiKeyDto), total, query);
  }

  async revokeOwn(id: string): Promise<void> {
    const owner = this.context.requirePrincipal();
    const hash = await this.dataSource.transaction(async (manager) => {
      const revoked = await this.keys.revoke(manager, owner.homeTenantId, owner.userId, id, 'revoked_by_owner');
      if (!revoked) throw new NotFound('API key');
      await this.audit.record(
        { tenantId: owner.homeTenantId, action: 'apikey.revoked', targetId: id, targetType: 'api_key', metadata: {} },
        manager,
      );
      return revoked;
    });
    this.authenticator.forgetKey(hash);
  }

  /**
   * For the users feature: revokes every key of a user who is suspended, deactivated or erased, in the
   * caller's transaction. The keys stop working at once on this instance (even before the commit, every
   * request with them asks the database), and within the cache's 30 s on others.
   */
  async revokeAllForUser(manager: EntityManager, tenantId: string, userId: string, reason: string): Promise<string[]> {
    const ids = await this.keys.revokeAllOf(manager, tenantId, userId, reason);
    this.authenticator.forgetUser(userId);
    return ids;
  }

  /**
   * For the users feature, once a user's type change has committed: their keys stay valid, but cached
   * keys carry the owner's type, so they are read again and act with the new type's permissions at once.
   */
  forgetCachedKeysOf(userId: string): void {
    this.authenticator.forgetUser(userId);
  }
}
