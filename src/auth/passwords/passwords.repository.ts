import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface StoredPassword {
  hash: string;
  changedAt: Date;
  mustChange: boolean;
}

/** The current password of a user (user_passwords_v2) and the ones before it (password_history_v2). */
@Injectable()
export class PasswordsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async current(tenantId: string, userId: string, manager?: EntityManager): Promise<StoredPassword | undefined> {
    const [row] = await (manager ?? this.dataSource.manager).query<
      { password_hash: string; changed_at: Date; must_change: boolean }[]
    >(`SELECT password_hash, changed_at, must_change FROM user_passwords_v2 WHERE tenant_id = $1 AND user_id = $2`, [
      tenantId,
      userId,
    ]);
    return row ? { hash: row.password_hash, changedAt: row.changed_at, mustChange: row.must_change } : undefined;
  }

  /** The hashes of the current password and up to `count - 1` before it, newest first. */
  async recentHashes(tenantId: string, userId: string, count: number): Promise<string[]> {
    if (count <= 0) return [];
    const rows = await this.dataSource.query<{ password_hash: string }[]>(
      `(SELECT password_hash, changed_at AS at, 0 AS rank FROM user_passwords_v2 WHERE tenant_id = $1 AND user_id = $2)
       UNION ALL
       (SELECT password_hash, created_at AS at, 1 AS rank FROM password_history_v2 WHERE tenant_id = $1 AND user_id = $2
         ORDER BY created_at DESC LIMIT $3)
       ORDER BY rank, at DESC LIMIT $3`,
      [tenantId, userId, count],
    );
    return rows.map((r) => r.password_hash);
  }

  /**
   * Makes `hash` the user's password: the current one moves into the history, which keeps only what the
   * policy's history needs.
   */
  async replace(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    hash: string,
    historyCount: number,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO password_history_v2 (tenant_id, user_id, password_hash, created_at)
       SELECT tenant_id, user_id, password_hash, changed_at FROM user_passwords_v2 WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    await manager.query(
      `INSERT INTO user_passwords_v2 (user_id, tenant_id, password_hash, changed_at, must_change)
       VALUES ($2, $1, $3, now(), false)
       ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, changed_at = now(), must_change = false`,
      [tenantId, userId, hash],
    );
    // The current password is the first of the last N; the history holds the N - 1 before it.
    await manager.query(
      `DELETE FROM password_history_v2 WHERE tenant_id = $1 AND user_id = $2 AND id NOT IN (
         SELECT id FROM password_history_v2 WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC LIMIT $3)`,
      [tenantId, userId, Math.max(0, historyCount - 1)],
    );
  }
}
