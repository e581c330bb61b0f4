import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { deleteEndedBatch, updateReturning } from '../database/sql';
import { TrustedDevice } from './entities/trusted-device.entity';

/** Every query on trusted devices; each names the tenant and the user, but the purge of ended ones. */
@Injectable()
export class TrustedDevicesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(TrustedDevice);
  }

  insert(manager: EntityManager, device: Partial<TrustedDevice>): Promise<TrustedDevice> {
    return this.repo(manager).save(this.repo(manager).create(device));
  }

  /** The live device this token was issued to, on the same device; marks it used. */
  async use(tenantId: string, userId: string, tokenHash: string, deviceId: string): Promise<string | undefined> {
    const rows = await updateReturning<{ id: string }>(
      this.dataSource.manager,
      `UPDATE trusted_devices SET last_used_at = now()
        WHERE token_hash = $1 AND tenant_id = $2 AND user_id = $3 AND device_id = $4
          AND revoked_at IS NULL AND expires_at > now()
        RETURNING id`,
      [tokenHash, tenantId, userId, deviceId],
    );
    return rows[0]?.id;
  }

  listActive(tenantId: string, userId: string, page: number, pageSize: number): Promise<[TrustedDevice[], number]> {
    return this.repo()
      .createQueryBuilder('d')
      .where('d.tenant_id = :tenantId AND d.user_id = :userId', { tenantId, userId })
      .andWhere('d.revoked_at IS NULL AND d.expires_at > now()')
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .skip((page - 1) * pageSize)
      .take(pageSize)
      .getManyAndCount();
  }

  /** Revokes one device or all of a user's; returns the ids it revoked. */
  async revoke(
    manager: EntityManager | undefined,
    where: { tenantId: string; userId: string; id?: string },
  ): Promise<string[]> {
    const params: unknown[] = [where.tenantId, where.userId];
    const byId = where.id ? `AND id = $${params.push(where.id)}` : '';
    const rows = await updateReturning<{ id: string }>(
      manager ?? this.dataSource.manager,
      `UPDATE trusted_devices SET revoked_at = now()
        WHERE tenant_id = $1 AND user_id = $2 ${byId} AND revoked_at IS NULL
        RETURNING id`,
      params,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Deletes up to `limit` devices, of any tenant, that expired or were revoked before `before`; returns how
   * many. Rows another transaction holds are left for a later batch.
   */
  async deleteEndedBefore(before: Date, limit: number): Promise<number> {
    return deleteEndedBatch(this.dataSource.manager, 'trusted_devices', 'least(expires_at, revoked_at)', before, limit);
  }
}
