import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { updateReturning } from '../database/sql';
import { hashToken } from '../sessions/sessions.service';

export type OneTimeTokenPurpose = 'email_verification' | 'password_reset';

/**
 * Single-use, expiring tokens sent by email (verification, password reset). Only their sha256 is stored;
 * issuing a new one for a purpose spends the user's earlier ones, so only the latest link works.
 */
@Injectable()
export class OneTimeTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Returns the token in clear, the one time it exists in clear. */
  async issue(
    manager: EntityManager,
    o: { tenantId: string; userId: string; purpose: OneTimeTokenPurpose; ttlMinutes: number },
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await manager.query(
      `UPDATE one_time_tokens SET used_at = now()
        WHERE tenant_id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL`,
      [o.tenantId, o.userId, o.purpose],
    );
    await manager.query(
      `INSERT INTO one_time_tokens (tenant_id, user_id, purpose, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))`,
      [o.tenantId, o.userId, o.purpose, hashToken(token), o.ttlMinutes],
    );
    return token;
  }

  /**
   * Like issue(), unless `limit` tokens of this purpose went to the user within the last `windowMinutes`:
   * then nothing is issued (undefined). Serialized per user and purpose, so that concurrent requests cannot
   * exceed the limit together.
   */
  async issueWithinLimit(
    manager: EntityManager,
    o: { tenantId: string; userId: string; purpose: OneTimeTokenPurpose; ttlMinutes: number },
    limit: { count: number; windowMinutes: number },
  ): Promise<string | undefined> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `one_time_tokens:${o.tenantId}:${o.userId}:${o.purpose}`,
    ]);
    const [{ n }] = await manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM one_time_tokens
        WHERE tenant_id = $1 AND user_id = $2 AND purpose = $3 AND created_at > now() - make_interval(mins => $4)`,
      [o.tenantId, o.userId, o.purpose, limit.windowMinutes],
    );
    return n >= limit.count ? undefined : this.issue(manager, o);
  }

  /** The user a still-usable token belongs to, without spending it. */
  async peek(tenantId: string, purpose: OneTimeTokenPurpose, token: string): Promise<string | undefined> {
    const [row] = await this.dataSource.query<{ user_id: string }[]>(
      `SELECT user_id FROM one_time_tokens
        WHERE tenant_id = $1 AND purpose = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > now()`,
      [tenantId, purpose, hashToken(token)],
    );
    return row?.user_id;
  }

  /** Spends a usable token; of any number of concurrent callers, one gets the user id, the others nothing. */
  async consume(
    manager: EntityManager,
    tenantId: string,
    purpose: OneTimeTokenPurpose,
    token: string,
  ): Promise<string | undefined> {
    const [row] = await updateReturning<{ user_id: string }>(
      manager,
      `UPDATE one_time_tokens SET used_at = now()
        WHERE tenant_id = $1 AND purpose = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id`,
      [tenantId, purpose, hashToken(token)],
    );
    return row?.user_id;
  }
}
