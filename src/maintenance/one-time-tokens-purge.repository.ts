import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * The purge of `one_time_tokens`, a table two features write: auth's OneTimeTokensRepository (email
 * verification, password reset) and mfa's MfaCodesRepository (one-time codes). Deleting spent rows is the
 * same for every purpose, so it lives here once rather than in either of them.
 */
@Injectable()
export class OneTimeTokensPurgeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Deletes up to `limit` tokens and codes, of any tenant and purpose, that expired or were used before
   * `before`; returns how many. Rows another transaction holds are left for a later batch.
   */
  async deleteSpentBefore(before: Date, limit: number): Promise<number> {
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `WITH gone AS (
         DELETE FROM one_time_tokens WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM one_time_tokens WHERE least(expires_at, used_at) < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [before, limit],
    );
    return n;
  }
}
