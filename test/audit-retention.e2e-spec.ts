import { SchedulerRegistry } from '@nestjs/schedule';
import { AuditRetentionService } from '../src/audit/audit-retention.service';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { AuditRepository } from '../src/audit/audit.repository';
import { createTenant, createUser } from './support/fixtures';
import { TestApp, login, startTestApp } from './support/test-app';

const DAY_MS = 86_400_000;

describe('Audit retention: AUDIT_RETENTION_DAYS purges old entries and the chain still verifies', () => {
  let t: TestApp;
  let retention: AuditRetentionService;
  let sealer: AuditSealer;
  beforeAll(async () => {
    t = await startTestApp({ AUDIT_RETENTION_DAYS: '30' });
    retention = t.app.get(AuditRetentionService);
    sealer = t.app.get(AuditSealer);
  });
  afterAll(() => t.close());

  const append = (tenantId: string, n: number) =>
    t.db.query(
      `SELECT dm_audit_append($1, 'test.event', NULL, NULL, NULL, '10.0.0.1', 'agent', 'rid', true, '{}') FROM generate_series(1, $2)`,
      [tenantId, n],
    );
  const count = async (tenantId: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1`, [tenantId]))[0].n;
  /**
   * An instant strictly between the entries appended before and after it. JavaScript dates have whole
   * milliseconds and entries microseconds, so it is rounded up, with a pause on either side.
   */
  const dbNow = async (): Promise<Date> => {
    const [{ at }] = await t.db.query(
      `SELECT date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' AS at FROM pg_sleep(0.002)`,
    );
    await t.db.query(`SELECT pg_sleep(0.002)`);
    return at;
  };

  it('runs as a daily scheduled job', () => {
    const job = t.app.get(SchedulerRegistry).getCronJob('audit-retention');
    expect(job).toBeDefined();
    const next = job.nextDate().toJSDate().getTime();
    expect(next - Date.now()).toBeLessThanOrEqual(DAY_MS);
  });

  it('deletes what is older than the retention period, leaves a checkpoint, and verify stays intact', async () => {
    const tenant = await createTenant(t, 'retention', { passwordPolicy: { requireMfaForAdmin: false } });
    const boss = await createUser(t, { tenant: tenant.slug, userType: 'tenant_admin' });
    await append(tenant.id, 5);
    const boundary = await dbNow();
    await append(tenant.id, 3);
    // Appended entries get their seq when sealed (the background sealer may not have run yet).
    await sealer.sealTenant(tenant.id);
    const [fifth] = await t.db.query(`SELECT seq, hash FROM audit_log WHERE tenant_id = $1 AND seq = 5`, [tenant.id]);

    // "Now" is 30 days after the boundary: the first five entries are past retention, the last three are not.
    const done = await retention.purgeExpired(new Date(boundary.getTime() + 30 * DAY_MS));
    expect(done).toContainEqual({ tenantId: tenant.id, purged: 5, throughSeq: '5' });

    await sealer.sealTenant(tenant.id);
    const seqs = await t.db.query(`SELECT seq::int, action FROM audit_log WHERE tenant_id = $1 ORDER BY seq`, [
      tenant.id,
    ]);
    expect(seqs).toEqual([
      { seq: 6, action: 'test.event' },
      { seq: 7, action: 'test.event' },
      { seq: 8, action: 'test.event' },
      { seq: 9, action: 'audit.purged' },
    ]);
    const [checkpoint] = await t.db.query(
      `SELECT seq::int, hash, purged_count::int FROM audit_checkpoints WHERE tenant_id = $1`,
      [tenant.id],
    );
    expect(checkpoint).toEqual({ seq: 5, hash: fifth.hash, purged_count: 5 });
    const [purgedEntry] = await t.db.query(
      `SELECT actor_id, metadata FROM audit_log WHERE tenant_id = $1 AND seq = 9`,
      [tenant.id],
    );
    expect(purgedEntry).toEqual({
      actor_id: null,
      metadata: { purgedCount: 5, throughSeq: '5', cutoff: boundary.toISOString(), retentionDays: 30 },
    });

    // Verification starts from the checkpoint and still covers new entries.
    const tokens = await login(t, boss.username, boss.password, tenant.slug);
    const verify = await t.request({ method: 'GET', url: '/api/v2/audit/verify', token: tokens.accessToken });
    expect(verify.body).toEqual({ intact: true, checked: 5 });

    // The same purge again finds nothing to do.
    const again = await retention.purgeExpired(new Date(boundary.getTime() + 30 * DAY_MS));
    expect(again.find((p) => p.tenantId === tenant.id)).toBeUndefined();
    expect(await count(tenant.id)).toBe(5);

    // A second purge later on moves the checkpoint forward.
    const later = await dbNow();
    await append(tenant.id, 2);
    const second = await retention.purgeExpired(new Date(later.getTime() + 30 * DAY_MS));
    expect(second).toContainEqual({ tenantId: tenant.id, purged: 5, throughSeq: '10' });
    const verifyAgain = await t.request({ method: 'GET', url: '/api/v2/audit/verify', token: tokens.accessToken });
    expect(verifyAgain.body).toEqual({ intact: true, checked: 3 });
  });

  it('purges each tenant on its own chain and leaves recent tenants alone', async () => {
    const old = await createTenant(t, 'retention-old');
    const fresh = await createTenant(t, 'retention-fresh');
    await append(old.id, 4);
    const boundary = await dbNow();
    await append(fresh.id, 4);
    const done = await retention.purgeExpired(new Date(boundary.getTime() + 30 * DAY_MS));
    expect(done.find((p) => p.tenantId === old.id)).toEqual({ tenantId: old.id, purged: 4, throughSeq: '4' });
    expect(done.find((p) => p.tenantId === fresh.id)).toBeUndefined();
    expect(await count(fresh.id)).toBe(4);
    await sealer.sealTenant(old.id);
    // Everything of the old tenant went; its chain is now just the purge record, linked to the checkpoint.
    const [only] = await t.db.query(`SELECT seq::int, action, prev_hash FROM audit_log WHERE tenant_id = $1`, [old.id]);
    const [checkpoint] = await t.db.query(`SELECT hash FROM audit_checkpoints WHERE tenant_id = $1`, [old.id]);
    expect(only).toEqual({ seq: 5, action: 'audit.purged', prev_hash: checkpoint.hash });
  });

  it('purges only the expired start of the chain: an old entry sealed after newer ones waits for a later purge', async () => {
    const tenant = await createTenant(t, 'retention-late');
    // A transaction appends an entry and commits only after newer entries were sealed.
    const late = t.db.createQueryRunner();
    await late.connect();
    await late.startTransaction();
    await late.query(`SELECT dm_audit_append($1, 'test.late', NULL, NULL, NULL, NULL, NULL, NULL, true, '{}')`, [
      tenant.id,
    ]);
    await append(tenant.id, 2);
    const boundary = await dbNow();
    await append(tenant.id, 2);
    await sealer.sealTenant(tenant.id);
    await late.commitTransaction();
    await late.release();

    const done = await retention.purgeExpired(new Date(boundary.getTime() + 30 * DAY_MS));
    expect(done).toContainEqual({ tenantId: tenant.id, purged: 2, throughSeq: '2' });
    await sealer.sealTenant(tenant.id);
    const rows = await t.db.query(
      `SELECT seq::int, action, created_at < $2 AS expired FROM audit_log WHERE tenant_id = $1 ORDER BY seq`,
      [tenant.id, boundary],
    );
    expect(rows).toEqual([
      { seq: 3, action: 'test.event', expired: false },
      { seq: 4, action: 'test.event', expired: false },
      { seq: 5, action: 'test.late', expired: true },
      { seq: 6, action: 'audit.purged', expired: false },
    ]);
    expect(await t.app.get(AuditRepository).verify(tenant.id)).toEqual({
      checked: 4,
      firstBrokenId: null,
      problem: null,
    });
  });

  it('keeps checkpoints append-only, and a break right after a checkpoint is still detected', async () => {
    const tenant = await createTenant(t, 'retention-tamper', { passwordPolicy: { requireMfaForAdmin: false } });
    const boss = await createUser(t, { tenant: tenant.slug, userType: 'tenant_admin' });
    await append(tenant.id, 3);
    const boundary = await dbNow();
    await append(tenant.id, 2);
    await retention.purgeExpired(new Date(boundary.getTime() + 30 * DAY_MS));
    await sealer.sealTenant(tenant.id);

    const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    await expect(t.db.query(`UPDATE audit_checkpoints SET seq = 0 WHERE tenant_id = $1`, [tenant.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(t.db.query(`DELETE FROM audit_checkpoints WHERE tenant_id = $1`, [tenant.id])).rejects.toThrow(
      /append-only/,
    );
    quiet.mockRestore();

    const [first] = await t.db.query(`SELECT id FROM audit_log WHERE tenant_id = $1 AND seq = 4`, [tenant.id]);
    await t.db.transaction(async (m) => {
      await m.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
      await m.query(`UPDATE audit_log SET prev_hash = 'genesis' WHERE id = $1`, [first.id]);
      await m.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    });
    const tokens = await login(t, boss.username, boss.password, tenant.slug);
    const verify = await t.request({ method: 'GET', url: '/api/v2/audit/verify', token: tokens.accessToken });
    expect(verify.body).toEqual({ intact: false, checked: 4, firstBrokenId: first.id, reason: 'broken_link' });
  });
});
