import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { deleteEndedBatch } from '../database/sql';

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
    return deleteEndedBatch(this.dataSource.manager, 'one_time_tokens', 'least(expires_at, used_at)', before, limit);
  }
}
