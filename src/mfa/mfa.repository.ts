import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { prepared } from '../database/prepared-statements';
import { updateReturning } from '../database/sql';
import { UserMfa } from './entities/user-mfa.entity';
import type { MfaMethod } from './mfa-methods';

/** Every query on MFA methods and backup codes; each names the tenant and the user. */
@Injectable()
export class MfaRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(UserMfa);
  }

  findMethods(tenantId: string, userId: string): Promise<UserMfa[]> {
    return this.repo().find({ where: { tenantId, userId }, order: { createdAt: 'ASC' } });
  }

  findMethod(tenantId: string, userId: string, method: MfaMethod): Promise<UserMfa | null> {
    return this.repo().findOneBy({ tenantId, userId, method });
  }

  async enabledMethods(tenantId: string, userId: string): Promise<MfaMethod[]> {
    const rows = await this.dataSource.query<{ method: MfaMethod }[]>(
      prepared(
        `SELECT method FROM user_mfa_v2 WHERE tenant_id = $1 AND user_id = $2 AND enabled ORDER BY enabled_at, method`,
      ),
      [tenantId, userId],
    );
    return rows.map((r) => r.method);
  }

  /**
   * Starts (or restarts) the setup of a method that is not enabled. Returns false when the method is
   * already enabled: it must be disabled before it can be set up again.
   */
  async upsertPending(o: {
    tenantId: string;
    userId: string;
    method: MfaMethod;
    secretEnc: string | null;
    destinationEnc: string | null;
  }): Promise<boolean> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO user_mfa_v2 (tenant_id, user_id, method, secret_enc, destination_enc, enabled)
       VALUES ($1, $2, $3, $4, $5, false)
       ON CONFLICT (tenant_id, user_id, method) DO UPDATE
          SET secret_enc = EXCLUDED.secret_enc, destination_enc = EXCLUDED.destination_enc,
              last_used_step = NULL, created_at = now()
        WHERE user_mfa_v2.enabled = false
       RETURNING id`,
      [o.tenantId, o.userId, o.method, o.secretEnc, o.destinationEnc],
    );
    return rows.length === 1;
  }

  /**
   * Enables a pending method; for TOTP it records the time step of the code that proved it, so that
   * the same code cannot then be used to sign in. False when another request enabled it first.
   */
  async enable(manager: EntityManager, id: string, totpStep?: number): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      manager,
      `UPDATE user_mfa_v2 SET enabled = true, enabled_at = now(), last_used_step = $2
        WHERE id = $1 AND enabled = false
        RETURNING id`,
      [id, totpStep ?? null],
    );
    return rows.length === 1;
  }

  /**
   * Spends a TOTP time step: a single conditional UPDATE, so however many requests race with codes of
   * the same (or an earlier) step, at most one is accepted.
   */
  async useTotpStep(tenantId: string, userId: string, step: number): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      this.dataSource.manager,
      `UPDATE user_mfa_v2 SET last_used_step = $3
        WHERE tenant_id = $1 AND user_id = $2 AND method = 'totp' AND enabled
          AND (last_used_step IS NULL OR last_used_step < $3)
        RETURNING id`,
      [tenantId, userId, step],
    );
    return rows.length === 1;
  }

  /** The user's methods, locked until the end of the caller's transaction. */
  lockMethods(
    manager: EntityManager,
    tenantId: string,
    userId: string,
  ): Promise<{ method: MfaMethod; enabled: boolean }[]> {
    return manager.query(
      `SELECT method, enabled FROM user_mfa_v2 WHERE tenant_id = $1 AND user_id = $2 ORDER BY method FOR UPDATE`,
      [tenantId, userId],
    );
  }

  async deleteMethod(manager: EntityManager, tenantId: string, userId: string, method: MfaMethod): Promise<void> {
    await manager.query(`DELETE FROM user_mfa_v2 WHERE tenant_id = $1 AND user_id = $2 AND method = $3`, [
      tenantId,
      userId,
      method,
    ]);
  }

  /** Removes every method of a user; returns the methods that were enabled. */
  async deleteAllMethods(manager: EntityManager, tenantId: string, userId: string): Promise<MfaMethod[]> {
    const rows = await updateReturning<{ method: MfaMethod; enabled: boolean }>(
      manager,
      `DELETE FROM user_mfa_v2 WHERE tenant_id = $1 AND user_id = $2 RETURNING method, enabled`,
      [tenantId, userId],
    );
    return rows.filter((r) => r.enabled).map((r) => r.method);
  }

  /** Replaces the user's backup codes with a new set (hashes only). */
  async replaceBackupCodes(manager: EntityManager, tenantId: string, userId: string, hashes: string[]): Promise<void> {
    await this.deleteBackupCodes(manager, tenantId, userId);
    await manager.query(
      `INSERT INTO mfa_backup_codes (tenant_id, user_id, code_hash) SELECT $1, $2, unnest($3::text[])`,
      [tenantId, userId, hashes],
    );
  }

  async deleteBackupCodes(manager: EntityManager, tenantId: string, userId: string): Promise<void> {
    await manager.query(`DELETE FROM mfa_backup_codes WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
  }

  /** Spends a backup code: true for exactly one of any number of racing uses of the same code. */
  async useBackupCode(tenantId: string, userId: string, codeHash: string): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      this.dataSource.manager,
      `UPDATE mfa_backup_codes SET used_at = now()
        WHERE tenant_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL
        RETURNING id`,
      [tenantId, userId, codeHash],
    );
    return rows.length === 1;
  }

  async countUnusedBackupCodes(tenantId: string, userId: string): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM mfa_backup_codes WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL`,
      [tenantId, userId],
    );
    return row.n;
  }

  /** The user's phone numbers from their contact info (encrypted), for SMS setup without a number given. */
  async findContactPhonesEnc(
    tenantId: string,
    userId: string,
  ): Promise<{ mobile: string | null; phone: string | null }> {
    const [row] = await this.dataSource.query<{ mobile_phone_enc: string | null; phone_enc: string | null }[]>(
      `SELECT mobile_phone_enc, phone_enc FROM user_contact_info_v2 WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    return { mobile: row?.mobile_phone_enc ?? null, phone: row?.phone_enc ?? null };
  }
}
