import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { dataSourceOptions } from '../ormconfig';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { AuditRepository } from '../src/audit/audit.repository';
import { AuditService } from '../src/audit/audit.service';
import { createTenant, createUser } from './support/fixtures';
import { TestApp, login, startTestApp } from './support/test-app';

const NO_ADMIN_MFA = { passwordPolicy: { requireMfaForAdmin: false } };

describe('Audit sealing: entries are appended without a lock and join the hash chain after commit', () => {
  let t: TestApp;
  let sealer: AuditSealer;
  beforeAll(async () => {
    t = await startTestApp();
    sealer = t.app.get(AuditSealer);
  });
  afterAll(() => t.close());

  const append = (tenantId: string, n: number) =>
    t.db.query(
      `SELECT dm_audit_append($1, 'test.event', NULL, NULL, NULL, '10.0.0.1', 'agent', 'rid', true, jsonb_build_object('n', i))
         FROM generate_series(1, $2) i`,
      [tenantId, n],
    );
  const chain = (tenantId: string): Promise<{ seq: number; n: number }[]> =>
    t.db.query(`SELECT seq::int, (metadata->>'n')::int AS n FROM audit_log WHERE tenant_id = $1 ORDER BY seq`, [
      tenantId,
    ]);
  const unsealed = async (tenantId: string): Promise<number> =>
    (await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND seq IS NULL`, [tenantId]))[0]
      .n;
  const verify = (tenantId: string) => t.app.get(AuditRepository).verify(tenantId);

  /** Another instance in the middle of sealing the tenant: holds its chain head until released. */
  async function holdHead(tenantId: string): Promise<{ release(): Promise<void> }> {
    await sealer.sealTenant(tenantId); // the head row exists once something was sealed
    const runner: QueryRunner = t.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query(`SELECT 1 FROM audit_heads WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
    return {
      async release() {
        await runner.commitTransaction();
        await runner.release();
      },
    };
  }

  it('lists an entry at once, before it is sealed, and /audit/verify waits for the sealer and then checks it', async () => {
    const tenant = await createTenant(t, 'seal-visible', NO_ADMIN_MFA);
    const boss = await createUser(t, { tenant: tenant.slug, userType: 'tenant_admin' });
    const tokens = await login(t, boss.username, boss.password, tenant.slug);
    const head = await holdHead(tenant.id);

    const consent = await t.request({
      method: 'POST',
      url: '/api/v2/users/me/consents',
      token: tokens.accessToken,
      body: { document: 'terms', version: '1' },
      headers: { 'x-request-id': 'fresh-entry' },
    });
    expect(consent.status).toBe(200);
    const listed = await t.request({ method: 'GET', url: '/api/v2/audit', token: tokens.accessToken });
    expect(listed.body.items[0]).toMatchObject({ action: 'consent.accepted', requestId: 'fresh-entry' });
    // The background sealer ran meanwhile (every 200 ms) and skipped the tenant: the entry is not sealed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [row] = await t.db.query(`SELECT seq, prev_hash, hash FROM audit_log WHERE request_id = 'fresh-entry'`);
    expect(row).toEqual({ seq: null, prev_hash: null, hash: null });

    let answered = false;
    const verifying = t
      .request({ method: 'GET', url: '/api/v2/audit/verify', token: tokens.accessToken })
      .finally(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    await head.release();
    const verdict = await verifying;
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1`, [tenant.id]);
    expect(verdict.body).toEqual({ intact: true, checked: n });
    expect(await unsealed(tenant.id)).toBe(0);
  });

  it('turns many concurrent audited transactions, some rolled back, into one gap-free chain of the committed ones', async () => {
    const tenant = await createTenant(t, 'seal-concurrent');
    const audit = t.app.get(AuditService);
    const total = 300;
    const committed: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const n = next++;
        const rollBack = n % 4 === 3;
        await t.db
          .transaction(async (m) => {
            await audit.record({ tenantId: tenant.id, action: 'test.concurrent', actorId: null, metadata: { n } }, m);
            await m.query(`SELECT pg_sleep(0.001 * ($1::int % 3))`, [n]);
            if (rollBack) throw new Error('rolled back on purpose');
          })
          .then(
            () => committed.push(n),
            (err: Error) => expect(err.message).toBe('rolled back on purpose'),
          );
      }
    };
    // Writers, the background sealer and explicit sealers all run at once.
    const sealing = (async () => {
      while (next < total) await sealer.sealPending();
    })();
    await Promise.all([...Array.from({ length: 12 }, worker), sealing]);

    await sealer.sealTenant(tenant.id);
    const entries = await chain(tenant.id);
    expect(entries.map((e) => e.seq)).toEqual(committed.map((_, i) => i + 1));
    expect(entries.map((e) => e.n).sort((a, b) => a - b)).toEqual([...committed].sort((a, b) => a - b));
    expect(committed).toHaveLength(total - total / 4);
    expect(await verify(tenant.id)).toEqual({ checked: committed.length, firstBrokenId: null, problem: null });
  });

  it('lets instances race to seal one tenant: one gap-free intact chain, no entry sealed twice', async () => {
    const tenant = await createTenant(t, 'seal-race');
    const other = new DataSource(dataSourceOptions(t.database.url));
    await other.initialize();
    try {
      const otherSealer = new AuditSealer(new AuditRepository(other));
      await append(tenant.id, 12_000); // more than two batches
      // This instance's background sealer joins in as well.
      await Promise.all([
        sealer.sealTenant(tenant.id, false),
        otherSealer.sealTenant(tenant.id, false),
        sealer.sealTenant(tenant.id, true),
        otherSealer.sealTenant(tenant.id, true),
        sealer.sealPending(),
        otherSealer.sealPending(),
      ]);
    } finally {
      await other.destroy();
    }
    expect(await unsealed(tenant.id)).toBe(0);
    const entries = await chain(tenant.id);
    expect(entries).toHaveLength(12_000);
    expect(entries.every((e, i) => e.seq === i + 1)).toBe(true);
    // Sealing follows creation order when nothing commits late.
    expect(entries.every((e, i) => e.n === i + 1)).toBe(true);
    expect(await verify(tenant.id)).toEqual({ checked: 12_000, firstBrokenId: null, problem: null });
  });

  it('seals an entry whose transaction committed late after the ones sealed meanwhile, and the chain holds', async () => {
    const tenant = await createTenant(t, 'seal-late');
    const late = t.db.createQueryRunner();
    await late.connect();
    await late.startTransaction();
    await late.query(`SELECT dm_audit_append($1, 'test.late', NULL, NULL, NULL, NULL, NULL, NULL, true, '{}')`, [
      tenant.id,
    ]);
    await append(tenant.id, 3);
    await sealer.sealTenant(tenant.id);
    await late.commitTransaction();
    await late.release();
    await sealer.sealTenant(tenant.id);

    const rows = await t.db.query(`SELECT seq::int, action FROM audit_log WHERE tenant_id = $1 ORDER BY created_at`, [
      tenant.id,
    ]);
    // Created first, sealed last: chain order is sealing order, created_at stays the time of the append.
    expect(rows).toEqual([
      { seq: 4, action: 'test.late' },
      { seq: 1, action: 'test.event' },
      { seq: 2, action: 'test.event' },
      { seq: 3, action: 'test.event' },
    ]);
    expect(await verify(tenant.id)).toEqual({ checked: 4, firstBrokenId: null, problem: null });
  });

  describe('the append-only trigger while sealing', () => {
    let quiet: jest.SpyInstance;
    beforeEach(() => {
      // TypeORM logs every failed query; these failures are the point.
      quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    });
    afterEach(() => quiet.mockRestore());

    const whileSealing = (sql: string, params: unknown[]) =>
      t.db.transaction(async (m) => {
        await m.query(`SET LOCAL dm.audit_seal = 'on'`);
        await m.query(sql, params);
      });

    it('only fills in the chain columns of an unsealed entry, and never re-seals a sealed one', async () => {
      const tenant = await createTenant(t, 'seal-trigger');
      await append(tenant.id, 1);
      await sealer.sealTenant(tenant.id);
      const [sealed] = await t.db.query(`SELECT id, seq, hash FROM audit_log WHERE tenant_id = $1`, [tenant.id]);
      const head = await holdHead(tenant.id); // keeps the background sealer away from the next entry
      try {
        await append(tenant.id, 1);
        const [open] = await t.db.query(`SELECT id FROM audit_log WHERE tenant_id = $1 AND seq IS NULL`, [tenant.id]);
        const refused = /sealing may only set seq, prev_hash and hash of an unsealed entry/;

        await expect(
          whileSealing(`UPDATE audit_log SET seq = 2, prev_hash = 'p', hash = 'h', success = false WHERE id = $1`, [
            open.id,
          ]),
        ).rejects.toThrow(refused);
        await expect(
          whileSealing(`UPDATE audit_log SET seq = 2, prev_hash = 'p', hash = 'h', ip_address = NULL WHERE id = $1`, [
            open.id,
          ]),
        ).rejects.toThrow(refused);
        await expect(whileSealing(`UPDATE audit_log SET seq = 2 WHERE id = $1`, [open.id])).rejects.toThrow(refused);
        await expect(
          whileSealing(`UPDATE audit_log SET seq = 7, prev_hash = 'p', hash = 'h' WHERE id = $1`, [sealed.id]),
        ).rejects.toThrow(refused);
        await expect(whileSealing(`UPDATE audit_log SET hash = hash WHERE id = $1`, [sealed.id])).rejects.toThrow(
          refused,
        );
        await expect(whileSealing(`DELETE FROM audit_log WHERE id = $1`, [open.id])).rejects.toThrow(
          /append-only \(DELETE refused\)/,
        );
        // Without the switch, even filling in the chain columns is refused, right after dm_audit_seal ran in
        // the same transaction (it found the head held and sealed nothing): the switch does not outlive it.
        await expect(
          t.db.transaction(async (m) => {
            expect(await m.query(`SELECT dm_audit_seal($1, 10) AS sealed`, [tenant.id])).toEqual([{ sealed: 0 }]);
            await m.query(`UPDATE audit_log SET seq = 2, prev_hash = 'p', hash = 'h' WHERE id = $1`, [open.id]);
          }),
        ).rejects.toThrow(/append-only \(UPDATE refused\)/);

        expect(
          await t.db.query(`SELECT seq, hash FROM audit_log WHERE id = ANY($1) ORDER BY seq`, [[sealed.id, open.id]]),
        ).toEqual([
          { seq: sealed.seq, hash: sealed.hash },
          { seq: null, hash: null },
        ]);
      } finally {
        await head.release();
      }
      expect(await sealer.sealTenant(tenant.id)).toBe(1);
    });

    it('keeps the three chain columns together, even for an owner who switched the trigger off', async () => {
      const tenant = await createTenant(t, 'seal-check');
      await append(tenant.id, 1);
      await expect(
        t.db.transaction(async (m) => {
          await m.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
          await m.query(`UPDATE audit_log SET seq = 1 WHERE tenant_id = $1`, [tenant.id]);
        }),
      ).rejects.toThrow(/audit_log_sealed_whole/);
    });
  });

  it('reports a sealed entry changed afterwards through GET /audit/verify', async () => {
    const tenant = await createTenant(t, 'seal-tamper', NO_ADMIN_MFA);
    const boss = await createUser(t, { tenant: tenant.slug, userType: 'tenant_admin' });
    const tokens = await login(t, boss.username, boss.password, tenant.slug);
    await append(tenant.id, 4);
    const before = await t.request({ method: 'GET', url: '/api/v2/audit/verify', token: tokens.accessToken });
    expect(before.body).toEqual({ intact: true, checked: 5 });
    const [third] = await t.db.query(`SELECT id FROM audit_log WHERE tenant_id = $1 AND seq = 3`, [tenant.id]);
    await t.db.transaction(async (m) => {
      await m.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
      await m.query(`UPDATE audit_log SET metadata = '{"n":99}' WHERE id = $1`, [third.id]);
      await m.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    });
    const after = await t.request({ method: 'GET', url: '/api/v2/audit/verify', token: tokens.accessToken });
    expect(after.body).toEqual({ intact: false, checked: 5, firstBrokenId: third.id, reason: 'hash_mismatch' });
  });
});

describe('Audit sealing on shutdown', () => {
  it('seals everything appended so far before the database pool closes, waiting for another sealer', async () => {
    const t = await startTestApp();
    try {
      const tenant = await createTenant(t, 'seal-shutdown');
      await t.app.get(AuditSealer).sealTenant(tenant.id);
      // Another instance is sealing this tenant: the background ticks leave it alone until shutdown.
      const other = new Client({ connectionString: t.database.url });
      await other.connect();
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM audit_heads WHERE tenant_id = $1 FOR UPDATE`, [tenant.id]);
      await t.db.query(
        `SELECT dm_audit_append($1, 'test.event', NULL, NULL, NULL, NULL, NULL, NULL, true, '{}') FROM generate_series(1, 50)`,
        [tenant.id],
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const closing = t.app.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.query('COMMIT');
      await closing;
      try {
        const { rows } = await other.query(
          `SELECT count(*)::int AS total, count(seq)::int AS sealed FROM audit_log WHERE tenant_id = $1`,
          [tenant.id],
        );
        expect(rows[0]).toEqual({ total: 50, sealed: 50 });
      } finally {
        await other.end();
      }
    } finally {
      await t.database.drop();
      rmSync(t.dataDir, { recursive: true, force: true });
    }
  });
});
