import { AuditRepository } from '../src/audit/audit.repository';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { FixtureUser, createTenant, createUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, Tokens, login, startTestApp } from './support/test-app';

/** Tenants without MFA requirements, so that admins log in with a plain password whatever the env says. */
const NO_ADMIN_MFA = { passwordPolicy: { requireMfaForAdmin: false } };
const UA = 'lightMyRequest';

describe('Audit trail: GET /audit, GET /audit/verify, append-only', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const get = (url: string, token: string, headers: Record<string, string> = {}) =>
    t.request({ method: 'GET', url, token, headers });

  describe('a scripted sequence of actions', () => {
    let tenant: { id: string; slug: string };
    let boss: FixtureUser;
    let alice: FixtureUser;
    let bossTokens: Tokens;
    let all: any[];

    beforeAll(async () => {
      tenant = await createTenant(t, 'audit-script', NO_ADMIN_MFA);
      boss = await createUser(t, { tenant: tenant.slug, userType: 'tenant_admin' });
      alice = await createUser(t, { tenant: tenant.slug, userType: 'customer' });
      const inTenant = (rid: string) => ({ 'x-tenant-id': tenant.slug, 'x-request-id': rid });
      const post = (url: string, rid: string, body?: unknown, token?: string) =>
        t.request({ method: 'POST', url: `/api/v2${url}`, body, token, headers: inTenant(rid) });

      expect((await post('/auth/login', 'seq-0', { username: boss.username, password: boss.password })).status).toBe(
        200,
      );
      const aliceLogin = await post('/auth/login', 'seq-1', { username: alice.username, password: alice.password });
      expect(aliceLogin.status).toBe(200);
      expect((await post('/auth/login', 'seq-2', { username: alice.username, password: 'Wrong-pass-1!' })).status).toBe(
        401,
      );
      expect((await post('/auth/login', 'seq-3', { username: 'nobody-here', password: 'Wrong-pass-1!' })).status).toBe(
        401,
      );
      const refreshed = await post('/auth/refresh', 'seq-4', { refreshToken: aliceLogin.body.refreshToken });
      expect(refreshed.status).toBe(200);
      const token = refreshed.body.accessToken;
      expect((await post('/users/me/consents', 'seq-5', { document: 'terms', version: '1' }, token)).status).toBe(200);
      const exported = await t.request({
        method: 'GET',
        url: '/api/v2/users/me/export',
        token,
        headers: inTenant('seq-6'),
      });
      expect(exported.status).toBe(200);
      expect((await post('/auth/logout', 'seq-7', undefined, token)).status).toBe(204);
      bossTokens = await login(t, boss.username, boss.password, tenant.slug);
      const adminExport = await t.request({
        method: 'GET',
        url: `/api/v2/users/${alice.id}/export`,
        token: bossTokens.accessToken,
        headers: { 'x-request-id': 'seq-9' },
      });
      expect(adminExport.status).toBe(200);

      const res = await get('/api/v2/audit?pageSize=100', bossTokens.accessToken);
      expect(res.status).toBe(200);
      all = res.body.items;
    });

    it('produces exactly the expected entries, newest first, each with the request id the client sent', () => {
      const entry = (
        requestId: string | null,
        action: string,
        actorId: string | null,
        targetId: string | null,
        success: boolean,
        metadata: object,
      ) => ({
        id: expect.any(String),
        action,
        actorId,
        targetId,
        tenantId: tenant.id,
        ipAddress: '127.0.0.1',
        userAgent: UA,
        requestId,
        success,
        metadata,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      const session = { sessionId: expect.any(String) };
      expect(all).toEqual([
        entry('seq-9', 'gdpr.exported', boss.id, alice.id, true, {}),
        entry(expect.any(String), 'auth.login.success', boss.id, boss.id, true, session),
        entry('seq-7', 'auth.logout', alice.id, alice.id, true, session),
        entry('seq-6', 'gdpr.exported', alice.id, alice.id, true, {}),
        entry('seq-5', 'consent.accepted', alice.id, alice.id, true, { document: 'terms', version: '1' }),
        entry('seq-4', 'auth.token.refreshed', alice.id, alice.id, true, session),
        entry('seq-3', 'auth.login.failure', null, null, false, { reason: 'unknown_user' }),
        entry('seq-2', 'auth.login.failure', null, alice.id, false, { reason: 'wrong_password' }),
        entry('seq-1', 'auth.login.success', alice.id, alice.id, true, session),
        entry('seq-0', 'auth.login.success', boss.id, boss.id, true, session),
      ]);
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    });

    it('filters by user (actor or target), actor, target and action (exact or prefix.*)', async () => {
      const ids = async (query: string) => {
        const res = await get(`/api/v2/audit?pageSize=100&${query}`, bossTokens.accessToken);
        expect(res.status).toBe(200);
        expect(res.body.total).toBe(res.body.items.length);
        return res.body.items.map((e: any) => e.requestId);
      };
      expect(await ids(`userId=${alice.id}`)).toEqual(['seq-9', 'seq-7', 'seq-6', 'seq-5', 'seq-4', 'seq-2', 'seq-1']);
      expect(await ids(`actorId=${alice.id}`)).toEqual(['seq-7', 'seq-6', 'seq-5', 'seq-4', 'seq-1']);
      expect(await ids(`targetId=${alice.id}`)).toEqual([
        'seq-9',
        'seq-7',
        'seq-6',
        'seq-5',
        'seq-4',
        'seq-2',
        'seq-1',
      ]);
      expect(await ids(`actorId=${boss.id}&targetId=${alice.id}`)).toEqual(['seq-9']);
      expect(await ids('action=auth.login.failure')).toEqual(['seq-3', 'seq-2']);
      expect(await ids('action=auth.login.*')).toHaveLength(5);
      expect(await ids('action=auth.*')).toHaveLength(7);
      expect(await ids('action=gdpr.*')).toEqual(['seq-9', 'seq-6']);
      // A prefix matches whole segments only, and `_` is not a wildcard.
      expect(await ids('action=auth.log.*')).toEqual([]);
      expect(await ids('action=auth')).toEqual([]);
      expect(await ids(`userId=${alice.id}&action=auth.login.*`)).toEqual(['seq-2', 'seq-1']);
    });

    it('filters by time: from and to are inclusive', async () => {
      const at = (rid: string) => all.find((e) => e.requestId === rid).createdAt;
      const res = await get(`/api/v2/audit?from=${at('seq-4')}&to=${at('seq-6')}`, bossTokens.accessToken);
      expect(res.body.items.map((e: any) => e.requestId)).toEqual(['seq-6', 'seq-5', 'seq-4']);
      const today = new Date().toISOString().slice(0, 10);
      const day = await get(`/api/v2/audit?from=${today}&to=${today}`, bossTokens.accessToken);
      expect(day.body.total).toBe(all.length);
      const past = await get('/api/v2/audit?to=2000-01-01', bossTokens.accessToken);
      expect(past.body).toEqual({ items: [], total: 0, page: 1, pageSize: 20 });
    });

    it('pages through the list without overlap or gaps', async () => {
      const seen: string[] = [];
      for (let page = 1; page <= 4; page++) {
        const res = await get(`/api/v2/audit?pageSize=3&page=${page}`, bossTokens.accessToken);
        expect(res.body).toMatchObject({ total: all.length, page, pageSize: 3 });
        expect(res.body.items.length).toBe(page < 4 ? 3 : 1);
        seen.push(...res.body.items.map((e: any) => e.id));
      }
      expect(seen).toEqual(all.map((e) => e.id));
      const beyond = await get('/api/v2/audit?pageSize=3&page=9', bossTokens.accessToken);
      expect(beyond.body).toEqual({ items: [], total: all.length, page: 9, pageSize: 3 });
    });

    it('refuses bad filter values with 400', async () => {
      for (const query of [
        'userId=not-a-uuid',
        'actorId=123',
        'targetId=',
        'action=auth*',
        'action=auth.*.failure',
        'action=AUTH.LOGIN',
        'action=auth.%25',
        'from=yesterday',
        'from=2025-13-45',
        'to=2025-02-30T25:00:00Z',
        'from=2025-02-01&to=2025-01-01',
        'page=0',
        'page=abc',
        'pageSize=101',
        'pageSize=0',
        'sort=asc',
      ]) {
        const res = await get(`/api/v2/audit?${query}`, bossTokens.accessToken);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(res.body.error).toBe('Bad Request');
      }
    });

    it('is tenant-scoped and needs audit:read', async () => {
      const admin = await login(t, 'admin', ADMIN_PASSWORD);
      const own = await get('/api/v2/audit?pageSize=100', admin.accessToken);
      expect(own.status).toBe(200);
      expect(own.body.items.every((e: any) => e.tenantId !== tenant.id)).toBe(true);
      const other = await createTenant(t, 'audit-other', NO_ADMIN_MFA);
      const otherAdmin = await createUser(t, { tenant: other.slug, userType: 'tenant_admin' });
      const otherTokens = await login(t, otherAdmin.username, otherAdmin.password, other.slug);
      const foreign = await get(`/api/v2/audit?userId=${alice.id}`, otherTokens.accessToken);
      expect(foreign.body.total).toBe(0);
      const crossing = await get('/api/v2/audit', otherTokens.accessToken, { 'x-tenant-id': tenant.slug });
      expect(crossing.status).toBe(403);

      const customer = await login(t, alice.username, alice.password, tenant.slug);
      expect((await get('/api/v2/audit', customer.accessToken)).status).toBe(403);
      expect((await get('/api/v2/audit/verify', customer.accessToken)).status).toBe(403);
      expect((await t.request({ method: 'GET', url: '/api/v2/audit' })).status).toBe(401);
    });

    it('verifies the chain as intact', async () => {
      const res = await get('/api/v2/audit/verify', bossTokens.accessToken);
      expect(res.status).toBe(200);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1`, [tenant.id]);
      expect(res.body).toEqual({ intact: true, checked: n });
    });

    it('refuses UPDATE, DELETE and TRUNCATE of audit rows through the application’s database connection', async () => {
      // TypeORM logs every failed query; these failures are the point.
      const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      const [row] = await t.db.query(
        `SELECT id, success FROM audit_log WHERE tenant_id = $1 ORDER BY created_at LIMIT 1`,
        [tenant.id],
      );
      await expect(t.db.query(`UPDATE audit_log SET success = NOT success WHERE id = $1`, [row.id])).rejects.toThrow(
        /append-only \(UPDATE refused\)/,
      );
      await expect(t.db.query(`UPDATE audit_log SET ip_address = NULL WHERE id = $1`, [row.id])).rejects.toThrow(
        /append-only/,
      );
      await expect(t.db.query(`DELETE FROM audit_log WHERE id = $1`, [row.id])).rejects.toThrow(
        /append-only \(DELETE refused\)/,
      );
      await expect(t.db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);

      // The erasure path may only blank the three personal fields, and nothing else.
      const withErase = (sql: string) =>
        t.db.transaction(async (m) => {
          await m.query(`SET LOCAL dm.audit_erase = 'on'`);
          await m.query(sql, [row.id]);
        });
      await expect(withErase(`UPDATE audit_log SET metadata = '{"x":1}' WHERE id = $1`)).rejects.toThrow(/only blank/);
      await expect(withErase(`UPDATE audit_log SET ip_address = '10.9.9.9' WHERE id = $1`)).rejects.toThrow(
        /only blank/,
      );
      await expect(
        withErase(
          `UPDATE audit_log SET ip_address = NULL, user_agent = NULL, request_id = NULL, success = false WHERE id = $1`,
        ),
      ).rejects.toThrow(/only blank/);
      await expect(withErase(`DELETE FROM audit_log WHERE id = $1`)).rejects.toThrow(/append-only/);

      const [after] = await t.db.query(`SELECT success, ip_address FROM audit_log WHERE id = $1`, [row.id]);
      expect(after).toEqual({ success: row.success, ip_address: '127.0.0.1' });
      quiet.mockRestore();
      expect((await get('/api/v2/audit/verify', bossTokens.accessToken)).body.intact).toBe(true);
    });
  });

  describe('tamper evidence', () => {
    /** A tampering database owner: the trigger is switched off only inside this transaction. */
    const tamper = (sql: string, params: unknown[]) =>
      t.db.transaction(async (m) => {
        await m.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
        await m.query(sql, params);
        await m.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
      });

    /** A fresh tenant whose chain holds `n` entries written by the application's append function. */
    const chain = async (slug: string, n: number) => {
      const tenant = await createTenant(t, slug);
      for (let i = 1; i <= n; i++) {
        await t.db.query(
          `SELECT dm_audit_append($1, 'test.event', NULL, NULL, NULL, $2, 'agent', $3, true, $4::jsonb)`,
          [tenant.id, `10.0.0.${i}`, `rid-${i}`, JSON.stringify({ n: i })],
        );
      }
      await t.app.get(AuditSealer).sealTenant(tenant.id);
      const rows: { id: string; seq: string }[] = await t.db.query(
        `SELECT id, seq FROM audit_log WHERE tenant_id = $1 ORDER BY seq`,
        [tenant.id],
      );
      return { tenantId: tenant.id, ids: rows.map((r) => r.id) };
    };
    const verify = (tenantId: string) => t.app.get(AuditRepository).verify(tenantId);

    it('reports the entry an owner changed with the trigger disabled', async () => {
      const tenant = await createTenant(t, 'audit-tamper', NO_ADMIN_MFA);
      const boss = await createUser(t, { tenant: tenant.slug, userType: 'tenant_admin' });
      const tokens = await login(t, boss.username, boss.password, tenant.slug);
      await login(t, boss.username, boss.password, tenant.slug);
      await login(t, boss.username, boss.password, tenant.slug);
      const before = await get('/api/v2/audit/verify', tokens.accessToken);
      expect(before.body).toEqual({ intact: true, checked: 3 });

      const [second] = await t.db.query(`SELECT id FROM audit_log WHERE tenant_id = $1 AND seq = 2`, [tenant.id]);
      await tamper(`UPDATE audit_log SET success = false WHERE id = $1`, [second.id]);
      const after = await get('/api/v2/audit/verify', tokens.accessToken);
      expect(after.status).toBe(200);
      expect(after.body).toEqual({ intact: false, checked: 3, firstBrokenId: second.id, reason: 'hash_mismatch' });
    });

    it('detects a re-hashed entry by the broken link of the next one', async () => {
      const c = await chain('audit-rehash', 5);
      await tamper(
        `UPDATE audit_log SET metadata = '{"n":99}', hash = dm_audit_hash(prev_hash, tenant_id, seq, action, actor_id,
           target_id, target_type, success, '{"n":99}'::jsonb, created_at, pii_digest) WHERE id = $1`,
        [c.ids[2]],
      );
      expect(await verify(c.tenantId)).toEqual({ checked: 5, firstBrokenId: c.ids[3], problem: 'broken_link' });
    });

    it('detects a deleted entry in the middle and at the end', async () => {
      const middle = await chain('audit-gap', 5);
      await tamper(`DELETE FROM audit_log WHERE id = $1`, [middle.ids[1]]);
      expect(await verify(middle.tenantId)).toEqual({
        checked: 4,
        firstBrokenId: middle.ids[2],
        problem: 'sequence_gap',
      });

      const tail = await chain('audit-tail', 5);
      await tamper(`DELETE FROM audit_log WHERE id = $1`, [tail.ids[4]]);
      expect(await verify(tail.tenantId)).toEqual({ checked: 4, firstBrokenId: null, problem: 'head_mismatch' });

      const wiped = await chain('audit-wiped', 3);
      await tamper(`DELETE FROM audit_log WHERE tenant_id = $1`, [wiped.tenantId]);
      expect(await verify(wiped.tenantId)).toEqual({ checked: 0, firstBrokenId: null, problem: 'head_mismatch' });
    });

    it('detects a changed ip address, but accepts the three personal fields blanked (erasure)', async () => {
      const c = await chain('audit-pii', 4);
      await tamper(`UPDATE audit_log SET ip_address = NULL, user_agent = NULL, request_id = NULL WHERE id = $1`, [
        c.ids[0],
      ]);
      expect(await verify(c.tenantId)).toEqual({ checked: 4, firstBrokenId: null, problem: null });
      await tamper(`UPDATE audit_log SET ip_address = '10.6.6.6' WHERE id = $1`, [c.ids[2]]);
      expect(await verify(c.tenantId)).toEqual({
        checked: 4,
        firstBrokenId: c.ids[2],
        problem: 'personal_fields_mismatch',
      });
    });

    it('reports an empty chain as intact', async () => {
      const empty = await createTenant(t, 'audit-empty');
      expect(await verify(empty.id)).toEqual({ checked: 0, firstBrokenId: null, problem: null });
    });
  });
});
