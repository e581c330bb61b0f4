import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import type { UserType } from '../common/user-types';
import { updateReturning } from '../database/sql';
import { ApiKey } from './entities/api-key.entity';

/** What authenticating a key needs, read in one indexed query. */
export interface KeyForAuth {
  id: string;
  tenantId: string;
  userId: string;
  userType: UserType;
  scopes: string[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  /** The permissions of the roles granted to the owner (their type's built-in role is added by the resolver). */
  granted: string[];
}

/** Every query on API keys; each names the tenant and the owner, except the lookup by hash at authentication. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager: EntityManager = this.dataSource.manager) {
    return manager.getRepository(ApiKey);
  }

  insert(
    manager: EntityManager,
    key: Pick<ApiKey, 'tenantId' | 'userId' | 'name' | 'prefix' | 'keyHash' | 'scopes' | 'expiresAt'>,
  ): Promise<ApiKey> {
    return this.repo(manager).save(this.repo(manager).create({ ...key, createdAt: new Date() }));
  }

  async listActive(
    tenantId: string,
    userId: string,
    offset: number,
    limit: number,
  ): Promise<{ keys: ApiKey[]; total: number }> {
    const [keys, total] = await this.repo().findAndCount({
      where: { tenantId, userId, revokedAt: IsNull() },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: offset,
      take: limit,
    });
    return { keys, total };
  }

  /** Revokes one of the owner's keys; returns its hash, or undefined when there is no such live key. */
  async revoke(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    id: string,
    reason: string,
  ): Promise<string | undefined> {
    const rows = await updateReturning<{ key_hash: string }>(
      manager,
      `UPDATE user_api_keys_v2 SET revoked_at = now(), revoked_reason = $4
        WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND revoked_at IS NULL RETURNING key_hash`,
      [tenantId, userId, id, reason],
    );
    return rows[0]?.key_hash;
  }

  /** Revokes every live key of a user; returns their ids. */
  async revokeAllOf(manager: EntityManager, tenantId: string, userId: string, reason: string): Promise<string[]> {
    const rows = await updateReturning<{ id: string }>(
      manager,
      `UPDATE user_api_keys_v2 SET revoked_at = now(), revoked_reason = $3
        WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
      [tenantId, userId, reason],
    );
    return rows.map((r) => r.id);
  }

  /**
   * A live key by its hash, only if its owner is active and its tenant too, with what the owner's granted
   * roles allow: one round trip on the unique index of key_hash.
   */
  async findForAuth(keyHash: string): Promise<KeyForAuth | undefined> {
    const rows = await this.dataSource.query<
      {
        id: string;
        tenant_id: string;
        user_id: string;
        user_type: UserType;
        scopes: string[];
        expires_at: Date | null;
        last_used_at: Date | null;
        granted: string[];
      }[]
    >(
      `SELECT k.id, k.tenant_id, k.user_id, u.user_type, k.scopes, k.expires_at, k.last_used_at,
              ARRAY(SELECT DISTINCT rp.permission FROM user_roles ur
                      JOIN role_permissions rp ON rp.tenant_id = ur.tenant_id AND rp.role_id = ur.role_id
                     WHERE ur.tenant_id = k.tenant_id AND ur.user_id = k.user_id) AS granted
         FROM user_api_keys_v2 k
         JOIN users_v2 u ON u.tenant_id = k.tenant_id AND u.id = k.user_id
         JOIN tenants t ON t.id = k.tenant_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL
          AND u.status = 'active' AND u.deleted_at IS NULL AND t.status = 'active'`,
      [keyHash],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      userId: row.user_id,
      userType: row.user_type,
      scopes: row.scopes,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
      granted: row.granted,
    };
  }

  async touch(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE user_api_keys_v2 SET last_used_at = now() WHERE id = $1`, [id]);
  }
}
