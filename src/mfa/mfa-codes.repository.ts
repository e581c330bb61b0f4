import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { updateReturning } from '../database/sql';
import type { CodeMethod } from './mfa-methods';

/** Setup codes prove a new destination; login codes are the second step of a sign-in. */
export type CodeStage = 'setup' | 'login';

export interface LiveCode {
  id: string;
  salt: string;
}

/** One-time SMS/email codes in `one_time_tokens` (purpose `mfa_code`): hashed, expiring, attempt-limited. */
@Injectable()
export class MfaCodesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `fn` holding a lock on the user's codes of one method, so that concurrent sends are serialised
   * (the resend throttle cannot be raced).
   */
  withUserLock<T>(
    tenantId: string,
    userId: string,
    method: CodeMethod,
    fn: (m: EntityManager) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`mfa_code:${tenantId}:${userId}:${method}`]);
      return fn(manager);
    });
  }

  /** When the code still in flight (unused) for this method was sent; a spent code throttles nothing. */
  async lastSentAt(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    method: CodeMethod,
  ): Promise<Date | undefined> {
    const [row] = await manager.query<{ created_at: Date }[]>(
      `SELECT created_at FROM one_time_tokens
        WHERE tenant_id = $1 AND user_id = $2 AND purpose = 'mfa_code' AND metadata->>'method' = $3
          AND used_at IS NULL
        ORDER BY created_at DESC LIMIT 1`,
      [tenantId, userId, method],
    );
    return row?.created_at;
  }

  /** Spends every unused code of the user for this method (a new one replaces them). */
  async retire(manager: EntityManager, tenantId: string, userId: string, method?: CodeMethod): Promise<void> {
    await manager.query(
      `UPDATE one_time_tokens SET used_at = now()
        WHERE tenant_id = $1 AND user_id = $2 AND purpose = 'mfa_code' AND used_at IS NULL
          AND ($3::text IS NULL OR metadata->>'method' = $3)`,
      [tenantId, userId, method ?? null],
    );
  }

  async insert(
    manager: EntityManager,
    o: {
      tenantId: string;
      userId: string;
      method: CodeMethod;
      stage: CodeStage;
      salt: string;
      hash: string;
      ttlSeconds: number;
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO one_time_tokens (tenant_id, user_id, purpose, token_hash, metadata, expires_at)
       VALUES ($1, $2, 'mfa_code', $3, $4, now() + make_interval(secs => $5))`,
      [o.tenantId, o.userId, o.hash, JSON.stringify({ method: o.method, stage: o.stage, salt: o.salt }), o.ttlSeconds],
    );
  }

  /** The user's live code for a method and stage: unused, unexpired, attempts left. */
  async findLive(
    tenantId: string,
    userId: string,
    method: CodeMethod,
    stage: CodeStage,
    maxAttempts: number,
  ): Promise<LiveCode | undefined> {
    const [row] = await this.dataSource.query<{ id: string; salt: string }[]>(
      `SELECT id, metadata->>'salt' AS salt FROM one_time_tokens
        WHERE tenant_id = $1 AND user_id = $2 AND purpose = 'mfa_code' AND used_at IS NULL AND expires_at > now()
          AND attempts < $5 AND metadata->>'method' = $3 AND metadata->>'stage' = $4
        ORDER BY created_at DESC LIMIT 1`,
      [tenantId, userId, method, stage, maxAttempts],
    );
    return row;
  }

  /**
   * One attempt at a code, atomically: it counts against the attempt limit, and the code is spent when
   * the hash matches. Only one of any number of racing attempts with the right code succeeds.
   */
  async attempt(id: string, hash: string, maxAttempts: number): Promise<boolean> {
    const rows = await updateReturning<{ accepted: boolean }>(
      this.dataSource.manager,
      `UPDATE one_time_tokens
          SET attempts = attempts + 1, used_at = CASE WHEN token_hash = $2 THEN now() END
        WHERE id = $1 AND used_at IS NULL AND expires_at > now() AND attempts < $3
        RETURNING used_at IS NOT NULL AS accepted`,
      [id, hash, maxAttempts],
    );
    return rows[0]?.accepted ?? false;
  }

  async deleteForUser(manager: EntityManager, tenantId: string, userId: string): Promise<void> {
    await manager.query(`DELETE FROM one_time_tokens WHERE tenant_id = $1 AND user_id = $2 AND purpose = 'mfa_code'`, [
      tenantId,
      userId,
    ]);
  }
}
