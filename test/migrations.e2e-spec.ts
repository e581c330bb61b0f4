import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../ormconfig';
import { databaseUrl, withAdmin } from './support/database';

const TABLES = [
  'tenants',
  'users_v2',
  'user_profiles_v2',
  'user_contact_info_v2',
  'user_preferences_v2',
  'user_passwords_v2',
  'password_history_v2',
  'user_sessions_v2',
  'user_mfa_v2',
  'user_api_keys_v2',
  'roles',
  'permissions',
  'role_permissions',
  'user_roles',
  'invitations',
  'one_time_tokens',
  'trusted_devices',
  'audit_log',
];

describe('migrations', () => {
  const name = `dm_migrations_${process.pid}`;
  let ds: DataSource;

  beforeAll(async () => {
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    ds = new DataSource(dataSourceOptions(databaseUrl(name)));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });

  const tables = async (): Promise<string[]> =>
    (await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).map(
      (r: { table_name: string }) => r.table_name,
    );

  it('creates every table of the schema on an empty database, and auth_audit_v2 as a view of the trail', async () => {
    await ds.runMigrations({ transaction: 'each' });
    const present = await tables();
    for (const table of TABLES) expect(present).toContain(table);
    expect(present).toContain('auth_audit_v2');
    expect(await ds.showMigrations()).toBe(false);
  });

  it('keys usernames and emails per tenant, case-insensitively', async () => {
    const indexes = (
      await ds.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'users_v2' AND indexdef LIKE 'CREATE UNIQUE%'`)
    ).map((r: { indexdef: string }) => r.indexdef);
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.stringContaining('(tenant_id, lower(username))'),
        expect.stringContaining('(tenant_id, lower(email))'),
      ]),
    );
  });

  it('reverts the last migration, and every migration down to an empty schema', async () => {
    const applied = async (): Promise<number> =>
      (await ds.query(`SELECT count(*)::int AS n FROM typeorm_migrations`))[0].n;
    const all = await applied();
    await ds.undoLastMigration({ transaction: 'each' });
    expect(await applied()).toBe(all - 1);
    expect(await ds.showMigrations()).toBe(true);

    for (let i = 1; i < all; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await applied()).toBe(0);
    expect((await tables()).filter((t) => TABLES.includes(t))).toEqual([]);

    await ds.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual(expect.arrayContaining(TABLES));
  });

  it('reverting the audit sealing migration seals the waiting entries and makes the chain columns required again', async () => {
    const [tenant] = await ds.query(`INSERT INTO tenants (slug, name) VALUES ('migration-seal', 'M') RETURNING id`);
    const append = () =>
      ds.query(`SELECT dm_audit_append($1, 'test.event', NULL, NULL, NULL, NULL, NULL, NULL, true, '{}')`, [tenant.id]);
    const seqs = async () =>
      (await ds.query(`SELECT seq FROM audit_log WHERE tenant_id = $1 ORDER BY created_at`, [tenant.id])).map(
        (r: { seq: string | null }) => r.seq,
      );
    const nullable = async () =>
      (
        await ds.query(
          `SELECT column_name, is_nullable FROM information_schema.columns
            WHERE table_name = 'audit_log' AND column_name IN ('seq', 'prev_hash', 'hash') ORDER BY column_name`,
        )
      ).map((r: { column_name: string; is_nullable: string }) => `${r.column_name}:${r.is_nullable}`);

    for (let i = 0; i < 3; i++) await append();
    expect(await seqs()).toEqual([null, null, null]);
    const sealing = async () =>
      (await ds.query(`SELECT 1 FROM typeorm_migrations WHERE name = 'AuditSealing1764374900000'`)).length > 0;
    while (await sealing()) await ds.undoLastMigration({ transaction: 'each' });

    expect(await seqs()).toEqual(['1', '2', '3']);
    expect(await nullable()).toEqual(['hash:NO', 'prev_hash:NO', 'seq:NO']);
    await append();
    expect(await seqs()).toEqual(['1', '2', '3', '4']);

    await ds.runMigrations({ transaction: 'each' });
    expect(await nullable()).toEqual(['hash:YES', 'prev_hash:YES', 'seq:YES']);
    await append();
    expect(await seqs()).toEqual(['1', '2', '3', '4', null]);
  });
});
