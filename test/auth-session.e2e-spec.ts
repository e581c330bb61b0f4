import { sign } from 'jsonwebtoken';
import { AppConfig } from '../src/config/app-config';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

describe('Auth: login, access tokens, refresh rotation, logout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('logs in by username or email and reaches /users/me', async () => {
    const byName = await login(t, 'admin', ADMIN_PASSWORD);
    expect(byName).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, sessionId: expect.any(String) });
    const byEmail = await login(t, 'ADMIN@localhost', ADMIN_PASSWORD);
    const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: byEmail.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'admin', userType: 'super_admin', isActive: true });
    expect(JSON.stringify(me.body)).not.toMatch(/password|hash/i);
  });

  it('answers unknown user and wrong password with the same 401', async () => {
    const unknown = await t.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      body: { username: 'nobody', password: 'whatever-1A!' },
    });
    const wrong = await t.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      body: { username: 'admin', password: 'whatever-1A!' },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect({ ...unknown.body, requestId: 'x' }).toEqual({ ...wrong.body, requestId: 'x' });
  });

  it('refuses forged, unsigned and expired tokens', async () => {
    const real = await login(t, 'admin', ADMIN_PASSWORD);
    const [h, p, s] = real.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${s}`;
    const { exp: _exp, iat: _iat, ...rest } = claims;
    const foreign = sign(rest, 'another-secret-another-secret', { expiresIn: 600 });
    // Signed with the service's own key, so only the expiry is wrong.
    const secret = t.app.get(AppConfig).jwtSecret;
    const expired = sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, secret);
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: sign(claims, secret) })).status).toBe(200);
    for (const token of [none, tampered, foreign, expired, 'garbage']) {
      const res = await t.request({ method: 'GET', url: '/api/v2/users/me', token });
      expect(res.status).toBe(401);
    }
  });

  it('rotates refresh tokens, and a spent one revokes the whole session', async () => {
    const first = await login(t, 'admin', ADMIN_PASSWORD);
    const r1 = await t.request({
      method: 'POST',
      url: '/api/v2/auth/refresh',
      body: { refreshToken: first.refreshToken },
    });
    expect(r1.status).toBe(200);
    expect(r1.body.refreshToken).not.toBe(first.refreshToken);
    expect(r1.body.sessionId).toBe(first.sessionId);

    const reuse = await t.request({
      method: 'POST',
      url: '/api/v2/auth/refresh',
      body: { refreshToken: first.refreshToken },
    });
    expect(reuse.status).toBe(401);
    const after = await t.request({ method: 'GET', url: '/api/v2/users/me', token: r1.body.accessToken });
    expect(after.status).toBe(401);
    const next = await t.request({
      method: 'POST',
      url: '/api/v2/auth/refresh',
      body: { refreshToken: r1.body.refreshToken },
    });
    expect(next.status).toBe(401);
    const [audit] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.token.reuse_detected'`,
    );
    expect(audit.n).toBe(1);
  });

  it('lets exactly one of two concurrent refreshes with the same token succeed', async () => {
    const s = await login(t, 'admin', ADMIN_PASSWORD);
    const results = await Promise.all(
      [1, 2].map(() =>
        t.request({ method: 'POST', url: '/api/v2/auth/refresh', body: { refreshToken: s.refreshToken } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('logout → 204 and the access token fails on the very next call', async () => {
    const s = await login(t, 'admin', ADMIN_PASSWORD);
    const out = await t.request({ method: 'POST', url: '/api/v2/auth/logout', token: s.accessToken });
    expect(out.status).toBe(204);
    const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: s.accessToken });
    expect(me.status).toBe(401);
  });
});
