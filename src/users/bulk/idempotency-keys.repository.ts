import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { deleteEndedBatch } from '../../database/sql';

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; statusCode: number; response: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

/** How long a key and its stored answer are kept. */
export const IDEMPOTENCY_KEY_RETENTION_HOURS = 24;
/** A claim without an answer after this long belongs to a request that died; the key may be used again. */
const ABANDONED_AFTER = '5 minutes';

/**
 * `Idempotency-Key` records, per tenant and caller: the first request with a key claims it, runs, and
 * stores its answer; a retry gets that answer back instead of acting twice.
 */
@Injectable()
export class IdempotencyKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async claim(tenantId: string, actorId: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND actor_id = $2 AND key = $3
          AND (created_at < now() - make_interval(hours => $4) OR (response IS NULL AND created_at < now() - $5::interval))`,
      [tenantId, actorId, key, IDEMPOTENCY_KEY_RETENTION_HOURS, ABANDONED_AFTER],
    );
    const inserted = await this.dataSource.query<unknown[]>(
      `INSERT INTO idempotency_keys (tenant_id, actor_id, key, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING key`,
      [tenantId, actorId, key, requestHash],
    );
    if (inserted.length === 1) return { kind: 'claimed' };
    const [row] = await this.dataSource.query<
      { request_hash: string; status_code: number | null; response: unknown }[]
    >(
      `SELECT request_hash, status_code, response FROM idempotency_keys WHERE tenant_id = $1 AND actor_id = $2 AND key = $3`,
      [tenantId, actorId, key],
    );
    // Deleted between the insert and the select (it was abandoned and someone reclaimed it): still busy.
    if (!row) return { kind: 'in_flight' };
    if (row.request_hash !== requestHash) return { kind: 'mismatch' };
    if (row.status_code === null) return { kind: 'in_flight' };
    return { kind: 'replay', statusCode: row.status_code, response: row.response };
  }

  async complete(tenantId: string, actorId: string, key: string, statusCode: number, response: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET status_code = $4, response = $5 WHERE tenant_id = $1 AND actor_id = $2 AND key = $3`,
      [tenantId, actorId, key, statusCode, JSON.stringify(response)],
    );
  }

  /** The request failed as a whole: the key is free again, so that the client can retry it. */
  async release(tenantId: string, actorId: string, key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND actor_id = $2 AND key = $3 AND response IS NULL`,
      [tenantId, actorId, key],
    );
  }

  /**
   * Deletes up to `limit` keys created before `before` (the hourly purge passes the retention), whatever
   * tenant or caller they belong to; returns how many. Requests are far shorter than the retention (claim()
   * already takes an unanswered key for abandoned after ABANDONED_AFTER), so a key past it never belongs to a
   * running operation. Rows another transaction holds are left for a later batch.
   */
  async deleteCreatedBefore(before: Date, limit: number): Promise<number> {
    return deleteEndedBatch(this.dataSource.manager, 'idempotency_keys', 'created_at', before, limit);
  }
}
