import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Most recently signed in first" lists never-signed-in users last. `(tenant_id, last_login_at, id)` gives
 * NULLs first when read backwards, so that order needs an index of its own to be read without a sort.
 */
export class UsersLastLoginDescIndex1764374600000 implements MigrationInterface {
  name = 'UsersLastLoginDescIndex1764374600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX users_v2_tenant_last_login_desc ON users_v2 (tenant_id, last_login_at DESC NULLS LAST, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS users_v2_tenant_last_login_desc`);
  }
}
