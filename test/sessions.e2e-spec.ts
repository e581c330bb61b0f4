import { createTenant, createUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('Sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  const loginWith = async (username: string, password: string, userAgent: string, tenant?: string) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      body: { username, password },
      headers: { 'user-agent': userAgent, ...(tenant ? { 'x-tenant-id': tenant } : {}) },
    });
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; refreshToken: string; sessionId: string };
  };
  const me = (token: string) => t.request({ method: 'GET', url: '/api/v2/users/me', token });
  const list = (token: string, query = '') => t.request({ method: 'GET', url: `/api/v2/sessions${query}`, token });

  describe('GET /sessions', () => {
    it('lists the caller’s live sessions, newest first, marking the current one, with device and address', async () => {
      const user = await createUser(t);
      const laptop = await loginWith(user.username, user.password, FIREFOX);
      const phone = await loginWith(user.username, user.password, IPHONE);
      const ended = await loginWith(user.username, user.password, FIREFOX);
      await t.request({ method: 'POST', url: '/api/v2/auth/logout', token: ended.accessToken });
      await createUser(t).then((other) => login(t, other.username, other.password));

      const res = await list(phone.accessToken);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: expect.any(Array), total: 2, page: 1, pageSize: 50 });
      expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([phone.sessionId, laptop.sessionId]);
      expect(res.body.items[0]).toEqual({
        id: phone.sessionId,
        current: true,
        ipAddress: '127.0.0.1',
        userAgent: IPHONE,
        device: { browser: 'Mobile Safari 17', os: 'iOS 17.5', type: 'mobile' },
        location: null,
        createdAt: expect.stringMatching(/Z$/),
        lastActiveAt: expect.stringMatching(/Z$/),
      });
      expect(res.body.items[1]).toMatchObject({
        current: false,
        device: { browser: 'Firefox 128', os: 'Linux', type: 'desktop' },
      });
      expect(res.text).not.toMatch(/refresh|hash|rt_/i);
    });

    it('pages, and rejects a page size over 100', async () => {
      const user = await createUser(t);
      const s = await login(t, user.username, user.password);
      await login(t, user.username, user.password);
      const page = await list(s.accessToken, '?page=2&pageSize=1');
      expect(page.body).toMatchObject({ total: 2, page: 2, pageSize: 1 });
      expect(page.body.items).toHaveLength(1);
      expect((await list(s.accessToken, '?pageSize=101')).status).toBe(400);
      expect((await list(s.accessToken, '?sort=x')).status).toBe(400);
    });

    it('needs a signed-in caller', async () => {
      expect((await t.request({ method: 'GET', url: '/api/v2/sessions' })).status).toBe(401);
    });
  });

  describe('DELETE /sessions/{id} and DELETE /sessions', () => {
    it('ends one of the caller’s sessions: its token fails on the very next request', async () => {
      const user = await createUser(t);
      const a = await login(t, user.username, user.password);
      const b = await login(t, user.username, user.password);
      const res = await t.request({ method: 'DELETE', url: `/api/v2/sessions/${b.sessionId}`, token: a.accessToken });
      expect(res.status).toBe(204);
      expect((await me(b.accessToken)).status).toBe(401);
      expect((await me(a.accessToken)).status).toBe(200);
      const again = await t.request({ method: 'DELETE', url: `/api/v2/sessions/${b.sessionId}`, token: a.accessToken });
      expect(again.status).toBe(404);
      const [audit] = await t.db.query(
        `SELECT metadata FROM audit_log WHERE action = 'session.revoked' AND target_id = $1`,
        [user.id],
      );
      expect(audit.metadata).toEqual({ sessionIds: [b.sessionId], reason: 'revoked_by_user' });
    });

    it('another user’s session is 404 and stays alive', async () => {
      const mine = await createUser(t).then((u) => login(t, u.username, u.password));
      const theirs = await createUser(t).then((u) => login(t, u.username, u.password));
      const res = await t.request({
        method: 'DELETE',
        url: `/api/v2/sessions/${theirs.sessionId}`,
        token: mine.accessToken,
      });
      expect(res.status).toBe(404);
      expect((await me(theirs.accessToken)).status).toBe(200);
      const bad = await t.request({ method: 'DELETE', url: '/api/v2/sessions/not-a-uuid', token: mine.accessToken });
      expect(bad.status).toBe(400);
    });

    it('ending every session but the current one', async () => {
      const user = await createUser(t);
      const others = [await login(t, user.username, user.password), await login(t, user.username, user.password)];
      const current = await login(t, user.username, user.password);
      expect((await t.request({ method: 'DELETE', url: '/api/v2/sessions', token: current.accessToken })).status).toBe(
        204,
      );
      for (const s of others) expect((await me(s.accessToken)).status).toBe(401);
      expect((await me(current.accessToken)).status).toBe(200);
      expect((await list(current.accessToken)).body.total).toBe(1);
    });
  });

  describe('GET/DELETE /users/{id}/sessions (sessions:manage)', () => {
    it('an administrator lists and ends a user’s sessions', async () => {
      const admin = await login(t, 'admin', ADMIN_PASSWORD);
      const user = await createUser(t);
      const s = await login(t, user.username, user.password);
      const listed = await t.request({
        method: 'GET',
        url: `/api/v2/users/${user.id}/sessions`,
        token: admin.accessToken,
      });
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([expect.objectContaining({ id: s.sessionId, current: false })]);
      const ended = await t.request({
        method: 'DELETE',
        url: `/api/v2/users/${user.id}/sessions`,
        token: admin.accessToken,
      });
      expect(ended.status).toBe(204);
      expect((await me(s.accessToken)).status).toBe(401);
      expect((await me(admin.accessToken)).status).toBe(200);
      const [audit] = await t.db.query(
        `SELECT actor_id, metadata->>'reason' AS reason FROM audit_log WHERE action = 'session.revoked' AND target_id = $1`,
        [user.id],
      );
      expect(audit).toEqual({ actor_id: admin.user.id, reason: 'revoked_by_admin' });
    });

    it('is 403 without sessions:manage', async () => {
      const customer = await createUser(t).then((u) => login(t, u.username, u.password));
      const target = await createUser(t);
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await t.request({
          method,
          url: `/api/v2/users/${target.id}/sessions`,
          token: customer.accessToken,
        });
        expect(res.status).toBe(403);
      }
    });

    it('a user of another tenant is 404 and keeps their sessions', async () => {
      const tenantAdmin = await createUser(t, { userType: 'tenant_admin' });
      const adminTokens = await login(t, tenantAdmin.username, tenantAdmin.password);
      await createTenant(t, 'sessions-elsewhere');
      const foreign = await createUser(t, { tenant: 'sessions-elsewhere' });
      const foreignSession = await login(t, foreign.username, foreign.password, 'sessions-elsewhere');
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await t.request({
          method,
          url: `/api/v2/users/${foreign.id}/sessions`,
          token: adminTokens.accessToken,
        });
        expect(res.status).toBe(404);
      }
      const unknown = await t.request({
        method: 'GET',
        url: '/api/v2/users/00000000-0000-4000-8000-000000000000/sessions',
        token: adminTokens.accessToken,
      });
      expect(unknown.status).toBe(404);
      expect((await me(foreignSession.accessToken)).status).toBe(200);
    });
  });

  describe('idle timeout', () => {
    it('ends a session unused for longer than the tenant’s sessionTimeoutMinutes; use keeps it alive', async () => {
      await createTenant(t, 'short-idle', { sessionTimeoutMinutes: 1 });
      const user = await createUser(t, { tenant: 'short-idle' });
      const s = await login(t, user.username, user.password, 'short-idle');
      const start = Date.now();
      const at = (ms: number) => jest.spyOn(Date, 'now').mockReturnValue(start + ms);

      at(40_000);
      expect((await me(s.accessToken)).status).toBe(200);
      at(80_000); // 80 s after login, but only 40 s after the last use
      expect((await me(s.accessToken)).status).toBe(200);
      at(80_000 + 61_000);
      expect((await me(s.accessToken)).status).toBe(401);
      jest.restoreAllMocks();
      expect((await me(s.accessToken)).status).toBe(401);
      const [row] = await t.db.query(`SELECT revoked_reason FROM user_sessions_v2 WHERE id = $1`, [s.sessionId]);
      expect(row.revoked_reason).toBe('idle_timeout');
    });

    it('does not list sessions idle for longer than the timeout', async () => {
      await createTenant(t, 'idle-list', { sessionTimeoutMinutes: 5 });
      const user = await createUser(t, { tenant: 'idle-list' });
      const idle = await login(t, user.username, user.password, 'idle-list');
      const current = await login(t, user.username, user.password, 'idle-list');
      await t.db.query(`UPDATE user_sessions_v2 SET last_active_at = now() - interval '6 minutes' WHERE id = $1`, [
        idle.sessionId,
      ]);
      const res = await list(current.accessToken);
      expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([current.sessionId]);
    });
  });
});

describe('Sessions: fingerprint behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true' });
  });
  afterAll(() => t.close());

  it('records the client’s address from X-Forwarded-For and its GeoIP location', async () => {
    const user = await createUser(t);
    const res = await t.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      body: { username: user.username, password: user.password },
      headers: { 'x-forwarded-for': '8.8.8.8, 10.0.0.1', 'user-agent': FIREFOX },
    });
    expect(res.status).toBe(200);
    const list = await t.request({ method: 'GET', url: '/api/v2/sessions', token: res.body.accessToken });
    expect(list.body.items[0]).toMatchObject({
      ipAddress: '8.8.8.8',
      location: { country: 'US', latitude: expect.any(Number), longitude: expect.any(Number) },
    });
  });
});
