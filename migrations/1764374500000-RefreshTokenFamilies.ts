import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh tokens name their session's token family (a secret shared by every token the session has
 * issued), so that a spent token of any generation is recognised as reuse; and a session keeps the last
 * pair it issued, encrypted, to hand the same pair to a client that retries within
 * REFRESH_REUSE_GRACE_SECONDS.
 */
export class RefreshTokenFamilies1764374500000 implements MigrationInterface {
  name = 'RefreshTokenFamilies1764374500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE user_sessions_v2 ADD COLUMN refresh_family_hash text, ADD COLUMN last_issued_pair_enc text`,
    );
    await q.query(
      `CREATE UNIQUE INDEX user_sessions_v2_refresh_family_key ON user_sessions_v2 (refresh_family_hash) WHERE refresh_family_hash IS NOT NULL`,
    );
    // Spent tokens are now found through their family, never by the previous token's hash.
    await q.query(`DROP INDEX IF EXISTS user_sessions_v2_previous_refresh`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX user_sessions_v2_previous_refresh ON user_sessions_v2 (previous_refresh_token_hash) WHERE previous_refresh_token_hash IS NOT NULL`,
    );
    await q.query(`DROP INDEX IF EXISTS user_sessions_v2_refresh_family_key`);
    await q.query(`ALTER TABLE user_sessions_v2 DROP COLUMN last_issued_pair_enc, DROP COLUMN refresh_family_hash`);
  }
}
