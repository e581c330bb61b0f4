import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A refresh rotation changes no indexed column of its session any more, so PostgreSQL can update the row in
 * place (a HOT update: no new entry in any of the table's indexes):
 * - the unique index on refresh_token_hash goes. Nothing looks a session up by it (a refresh finds its
 *   session by the token's family), and the token is 256 random bits, so it needs no uniqueness check;
 * - pages keep 30 % free for the new versions of their rows.
 * Outside a transaction, so that the index goes without locking the table against the sessions of instances
 * still serving (CONCURRENTLY).
 */
export class HotRefreshRotation1764375100000 implements MigrationInterface {
  name = 'HotRefreshRotation1764375100000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS user_sessions_v2_refresh_key`);
    await q.query(`ALTER TABLE user_sessions_v2 SET (fillfactor = 70)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE user_sessions_v2 RESET (fillfactor)`);
    // Not CONCURRENTLY: TypeORM reverts inside a transaction whatever the migration says.
    await q.query(`CREATE UNIQUE INDEX user_sessions_v2_refresh_key ON user_sessions_v2 (refresh_token_hash)`);
  }
}
