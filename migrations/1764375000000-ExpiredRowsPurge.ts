import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hourly purge of expired rows (ExpiredRowsService) finds them by when they stopped being usable:
 * `least()` of the expiry and the end markers is that moment (least ignores NULLs), so one range scan of one
 * index per table finds every row past its grace period, whichever way it ended.
 *
 * Sessions also serve as login history (LoginHistoryRepository: "a device or country not seen for this
 * user"), so the purge keeps the newest session of each device and country of a user and the user's newest
 * session. `kept_for_login_history` marks those rows; it leaves them out of the purge's index, so that
 * every hourly run scans only rows it has not looked at yet, and a second index finds a user's marked rows
 * again. PostgreSQL keeps no statistics for the expression of a partial index, so the sessions' one gets
 * statistics of its own: without them the planner guesses that a third of the table is past any cutoff
 * and scans all of it for one batch.
 */
export class ExpiredRowsPurge1764375000000 implements MigrationInterface {
  name = 'ExpiredRowsPurge1764375000000';

  async up(q: QueryRunner): Promise<void> {
    // These tables were never purged before: building the indexes can take longer than a request may.
    await q.query(`SET LOCAL statement_timeout = '30min'`);
    await q.query(`ALTER TABLE user_sessions_v2 ADD COLUMN kept_for_login_history boolean NOT NULL DEFAULT false`);
    await q.query(
      `CREATE INDEX user_sessions_v2_ended ON user_sessions_v2 (least(expires_at, revoked_at)) WHERE NOT kept_for_login_history`,
    );
    await q.query(
      `CREATE STATISTICS user_sessions_v2_ended_stats ON (least(expires_at, revoked_at)) FROM user_sessions_v2`,
    );
    await q.query(
      `CREATE INDEX user_sessions_v2_login_history ON user_sessions_v2 (tenant_id, user_id) WHERE kept_for_login_history`,
    );
    await q.query(`CREATE INDEX one_time_tokens_ended ON one_time_tokens (least(expires_at, used_at))`);
    await q.query(`CREATE INDEX trusted_devices_ended ON trusted_devices (least(expires_at, revoked_at))`);
    await q.query(`CREATE INDEX invitations_ended ON invitations (least(expires_at, accepted_at, revoked_at))`);
    await q.query(`CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idempotency_keys_created`);
    await q.query(`DROP INDEX IF EXISTS invitations_ended`);
    await q.query(`DROP INDEX IF EXISTS trusted_devices_ended`);
    await q.query(`DROP INDEX IF EXISTS one_time_tokens_ended`);
    await q.query(`DROP INDEX IF EXISTS user_sessions_v2_login_history`);
    await q.query(`DROP STATISTICS IF EXISTS user_sessions_v2_ended_stats`);
    await q.query(`DROP INDEX IF EXISTS user_sessions_v2_ended`);
    await q.query(`ALTER TABLE user_sessions_v2 DROP COLUMN kept_for_login_history`);
  }
}
