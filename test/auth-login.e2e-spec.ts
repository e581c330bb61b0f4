import { sign } from 'jsonwebtoken';
import { AppConfig } from '../src/config/app-config';
import { createTenant, createUser } from './support/fixtures';
import { TestApp, login, startTestApp } from './support/test-app';

const LOGIN = '/api/v2/auth/login';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe('Auth: login, lockout, password expiry', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const attempt = (username: string, password: string, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: LOGIN, body: { username, password }, headers });
  const auditCount = async (action: string, userId: string, reason?: string) => {
    const [row] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND target_id = $2 AND ($3::text IS NULL OR metadata->>'reason' = $3)`,
      [action, userId, reason ?? null],
    );
    return row.n as number;
  };

  it('answers unknown user, unknown email, wrong password and a locked account with the same 401', async () => {
    const user = await createUser(t);
    const locked = await createUser(t);
    await t.db.query(
      `UPDATE users_v2 SET locked_until = now() + interval '1 hour', failed_login_attempts = 5 WHERE id = $1`,
      [locked.id],
    );
    const answers = await Promise.all([
      attempt('nobody-here', 'Whatever-123!'),
      attempt('nobody@example.test', 'Whatever-123!'),
      attempt(user.username, 'Whatever-123!'),
      attempt(locked.username, locked.password),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect({ ...res.body, requestId: 'x' }).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid username or password',
        requestId: 'x',
      });
    }
  });

  it('locks the account after ACCOUNT_LOCKOUT_ATTEMPTS failures: even the right password then gets 401', async () => {
    const user = await createUser(t);
    for (let i = 0; i < 5; i++) expect((await attempt(user.username, 'Wrong-Password-1!')).status).toBe(401);
    expect((await attempt(user.username, user.password)).status).toBe(401);
    expect(await auditCount('auth.lockout', user.id)).toBe(1);
    expect(await auditCount('auth.login.failure', user.id, 'locked')).toBe(1);

    // Once the lockout duration is over, the right password works and the count starts afresh.
    await t.db.query(`UPDATE users_v2 SET locked_until = now() - interval '1 second' WHERE id = $1`, [user.id]);
    expect((await attempt(user.username, user.password)).status).toBe(200);
    const [row] = await t.db.query(`SELECT failed_login_attempts, locked_until FROM users_v2 WHERE id = $1`, [user.id]);
    expect(row).toEqual({ failed_login_attempts: 0, locked_until: null });
  });

  it('a success ends the run: failures must be in a row to lock', async () => {
    const user = await createUser(t);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) await attempt(user.username, 'Wrong-Password-1!');
      expect((await attempt(user.username, user.password)).status).toBe(200);
    }
  });

  it('30 parallel wrong passwords, then the right one: still 401, and only 5 passwords were ever checked', async () => {
    const user = await createUser(t);
    const answers = await Promise.all(Array.from({ length: 30 }, () => attempt(user.username, 'Wrong-Password-1!')));
    expect(answers.every((r) => r.status === 401)).toBe(true);
    expect((await attempt(user.username, user.password)).status).toBe(401);
    // Each bcrypt evaluation of a wrong password writes one failure with reason wrong_password.
    expect(await auditCount('auth.login.failure', user.id, 'wrong_password')).toBe(5);
    expect(await auditCount('auth.login.failure', user.id, 'locked')).toBe(26);
    expect(await auditCount('auth.lockout', user.id)).toBe(1);
  });

  it('honours a tenant’s own maxFailedAttempts', async () => {
    await createTenant(t, 'strict-lock', { passwordPolicy: { maxFailedAttempts: 2 } });
    const user = await createUser(t, { tenant: 'strict-lock' });
    const tenant = { 'x-tenant-id': 'strict-lock' };
    await attempt(user.username, 'Wrong-Password-1!', tenant);
    await attempt(user.username, 'Wrong-Password-1!', tenant);
    expect((await attempt(user.username, user.password, tenant)).status).toBe(401);
  });

  it('does not let a user of one tenant sign in to another', async () => {
    await createTenant(t, 'other-login');
    const user = await createUser(t);
    expect((await attempt(user.username, user.password, { 'x-tenant-id': 'other-login' })).status).toBe(401);
  });

  it('records success and failure in the audit trail with ip and user agent', async () => {
    const user = await createUser(t);
    await attempt(user.username, 'Wrong-Password-1!', { 'user-agent': FIREFOX });
    const ok = await attempt(user.username, user.password, { 'user-agent': FIREFOX });
    const rows = await t.db.query(
      `SELECT action, success, ip_address, user_agent, metadata FROM audit_log WHERE target_id = $1 AND action LIKE 'auth.login.%' ORDER BY created_at`,
      [user.id],
    );
    expect(rows).toEqual([
      {
        action: 'auth.login.failure',
        success: false,
        ip_address: '127.0.0.1',
        user_agent: FIREFOX,
        metadata: { reason: 'wrong_password' },
      },
      {
        action: 'auth.login.success',
        success: true,
        ip_address: '127.0.0.1',
        user_agent: FIREFOX,
        metadata: { sessionId: ok.body.sessionId },
      },
    ]);
    const [viewRow] = await t.db.query(`SELECT count(*)::int AS n FROM auth_audit_v2 WHERE target_id = $1`, [user.id]);
    expect(viewRow.n).toBe(2);
  });

  it('refuses tokens signed with another algorithm, even with the right key', async () => {
    const user = await createUser(t);
    const s = await login(t, user.username, user.password);
    const claims = JSON.parse(Buffer.from(s.accessToken.split('.')[1], 'base64url').toString());
    const secret = t.app.get(AppConfig).jwtSecret;
    const hs512 = sign(claims, secret, { algorithm: 'HS512' });
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: hs512 })).status).toBe(401);
    const wrongType = sign({ ...claims, typ: 'mfa' }, secret);
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: wrongType })).status).toBe(401);
  });

  describe('password expiry', () => {
    it('an expired password signs in with passwordExpired, and the token only reaches the password change', async () => {
      const user = await createUser(t);
      await t.db.query(`UPDATE user_passwords_v2 SET changed_at = now() - interval '91 days' WHERE user_id = $1`, [
        user.id,
      ]);
      const res = await attempt(user.username, user.password);
      expect(res.status).toBe(200);
      expect(res.body.passwordExpired).toBe(true);
      const token = res.body.accessToken;
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token })).status).toBe(200);
      const blocked = await t.request({ method: 'GET', url: '/api/v2/sessions', token });
      expect(blocked.status).toBe(403);
      expect(blocked.body.message).toMatch(/password has expired/);

      const change = await t.request({
        method: 'POST',
        url: '/api/v2/auth/password/change',
        token,
        body: { currentPassword: user.password, newPassword: 'Fresh-Tulip-Harbor-7' },
      });
      expect(change.status).toBe(204);
      // The same token is free at once, and the next login is no longer restricted.
      expect((await t.request({ method: 'GET', url: '/api/v2/sessions', token })).status).toBe(200);
      const [session] = await t.db.query(`SELECT restriction FROM user_sessions_v2 WHERE id = $1`, [
        res.body.sessionId,
      ]);
      expect(session.restriction).toBeNull();
      const again = await attempt(user.username, 'Fresh-Tulip-Harbor-7');
      expect(again.body.passwordExpired).toBeUndefined();
    });

    it('a refreshed token of a restricted session stays restricted', async () => {
      const user = await createUser(t);
      await t.db.query(`UPDATE user_passwords_v2 SET must_change = true WHERE user_id = $1`, [user.id]);
      const res = await attempt(user.username, user.password);
      expect(res.body.passwordExpired).toBe(true);
      const refreshed = await t.request({
        method: 'POST',
        url: '/api/v2/auth/refresh',
        body: { refreshToken: res.body.refreshToken },
      });
      expect(refreshed.status).toBe(200);
      const blocked = await t.request({ method: 'GET', url: '/api/v2/sessions', token: refreshed.body.accessToken });
      expect(blocked.status).toBe(403);
    });

    it('does not expire passwords under the nist preset', async () => {
      await createTenant(t, 'nist-login', { passwordPolicy: { preset: 'nist' } });
      const user = await createUser(t, { tenant: 'nist-login' });
      await t.db.query(`UPDATE user_passwords_v2 SET changed_at = now() - interval '3 years' WHERE user_id = $1`, [
        user.id,
      ]);
      const res = await attempt(user.username, user.password, { 'x-tenant-id': 'nist-login' });
      expect(res.status).toBe(200);
      expect(res.body.passwordExpired).toBeUndefined();
    });
  });
});
