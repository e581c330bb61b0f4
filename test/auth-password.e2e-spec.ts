import { BackgroundWork } from '../src/auth/background-work';
import { FixtureUser, createUser } from './support/fixtures';
import { lastToken, messagesTo } from './support/outbox';
import { TestApp, login, startTestApp } from './support/test-app';

const FORGOT = '/api/v2/auth/password/forgot';
const RESET = '/api/v2/auth/password/reset';
const CHANGE = '/api/v2/auth/password/change';

describe('Auth: forgotten, reset and changed passwords', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const forgot = (email: string) => t.request({ method: 'POST', url: FORGOT, body: { email } });
  const reset = (token: string, newPassword: string) =>
    t.request({ method: 'POST', url: RESET, body: { token, newPassword } });
  const change = (token: string, currentPassword: string, newPassword: string) =>
    t.request({ method: 'POST', url: CHANGE, token, body: { currentPassword, newPassword } });
  const me = (token: string) => t.request({ method: 'GET', url: '/api/v2/users/me', token });
  const attempt = (username: string, password: string) =>
    t.request({ method: 'POST', url: '/api/v2/auth/login', body: { username, password } });
  const settle = () => t.app.get(BackgroundWork).drain();
  const resetTokenFor = async (user: FixtureUser) => {
    expect((await forgot(user.email)).status).toBe(202);
    await settle();
    return lastToken(t, user.email, 'password_reset');
  };
  const audits = async (action: string, userId: string) =>
    (await t.db.query(`SELECT metadata FROM audit_log WHERE action = $1 AND target_id = $2`, [action, userId])).map(
      (r: { metadata: unknown }) => r.metadata,
    );

  describe('POST /auth/password/forgot', () => {
    it('answers 202 alike for an account and for an unknown address; only the account gets an email', async () => {
      const user = await createUser(t);
      const known = await forgot(user.email.toUpperCase());
      const unknown = await forgot('nobody-at-all@example.test');
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(known.text).toBe(unknown.text);
      expect(Object.keys(known.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
      await settle();
      const sent = messagesTo(t, user.email, 'password_reset');
      expect(sent).toHaveLength(1);
      expect(sent[0].token).toEqual(expect.any(String));
      expect(sent[0].text).toContain(sent[0].token);
      expect(messagesTo(t, 'nobody-at-all@example.test', 'password_reset')).toHaveLength(0);
      // The work done after the answer still knows the request it came from.
      const [audit] = await t.db.query(
        `SELECT ip_address, request_id FROM audit_log WHERE action = 'auth.password.reset_requested' AND target_id = $1`,
        [user.id],
      );
      expect(audit).toEqual({ ip_address: '127.0.0.1', request_id: known.headers['x-request-id'] });
    });

    it('sends nothing to accounts that cannot sign in (pending, suspended)', async () => {
      for (const status of ['pending', 'suspended']) {
        const user = await createUser(t, { status });
        await forgot(user.email);
        await settle();
        expect(messagesTo(t, user.email, 'password_reset')).toHaveLength(0);
      }
    });

    it('rejects a malformed address with 400', async () => {
      expect((await forgot('not-an-email')).status).toBe(400);
    });
  });

  describe('POST /auth/password/reset', () => {
    it('sets the new password, ends every session of the user at once, and tells the user', async () => {
      const user = await createUser(t);
      const a = await login(t, user.username, user.password);
      const b = await login(t, user.username, user.password);
      const token = await resetTokenFor(user);
      const res = await reset(token, 'Brand-New-Harbor-9');
      expect(res.status).toBe(204);
      expect((await me(a.accessToken)).status).toBe(401);
      expect((await me(b.accessToken)).status).toBe(401);
      expect(
        (await t.request({ method: 'POST', url: '/api/v2/auth/refresh', body: { refreshToken: a.refreshToken } }))
          .status,
      ).toBe(401);
      expect((await attempt(user.username, user.password)).status).toBe(401);
      expect((await attempt(user.username, 'Brand-New-Harbor-9')).status).toBe(200);
      expect(await audits('auth.password.reset', user.id)).toEqual([{ revokedSessions: 2, trustedDevicesRevoked: 0 }]);
      expect(messagesTo(t, user.email, 'password_changed')).toHaveLength(1);
    });

    it('a reset token works once', async () => {
      const user = await createUser(t);
      const token = await resetTokenFor(user);
      expect((await reset(token, 'Brand-New-Harbor-9')).status).toBe(204);
      const again = await reset(token, 'Another-New-Harbor-8');
      expect(again.status).toBe(400);
      expect(again.body.message).toBe('Invalid or expired reset token');
    });

    it('only the latest link works, and only for an hour', async () => {
      const user = await createUser(t);
      const older = await resetTokenFor(user);
      const newer = await resetTokenFor(user);
      expect(older).not.toBe(newer);
      expect((await reset(older, 'Brand-New-Harbor-9')).status).toBe(400);
      const [row] = await t.db.query(
        `SELECT expires_at - created_at AS ttl FROM one_time_tokens WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL`,
        [user.id],
      );
      expect(row.ttl).toEqual({ hours: 1 });
      await t.db.query(`UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [
        user.id,
      ]);
      expect((await reset(newer, 'Brand-New-Harbor-9')).status).toBe(400);
    });

    it('enforces the policy and the history; a refused password leaves the token usable', async () => {
      const user = await createUser(t);
      const token = await resetTokenFor(user);
      const weak = await reset(token, 'qzx');
      expect(weak.status).toBe(422);
      expect(weak.body.violations).toEqual(['min_length', 'uppercase', 'number', 'symbol']);
      const same = await reset(token, user.password);
      expect(same.status).toBe(422);
      expect(same.body.violations).toEqual(['history']);
      expect((await reset(token, `Aa1!${'x'.repeat(69)}`)).status).toBe(400);
      expect((await reset(token, 'Brand-New-Harbor-9')).status).toBe(204);
    });

    it('unlocks a locked account: the owner proved control of the mailbox', async () => {
      const user = await createUser(t);
      for (let i = 0; i < 5; i++) await attempt(user.username, 'Wrong-Password-1!');
      expect((await attempt(user.username, user.password)).status).toBe(401);
      const token = await resetTokenFor(user);
      expect((await reset(token, 'Brand-New-Harbor-9')).status).toBe(204);
      expect((await attempt(user.username, 'Brand-New-Harbor-9')).status).toBe(200);
    });
  });

  describe('POST /auth/password/change', () => {
    it('changes the password; the other sessions die on their very next request, the current one lives on', async () => {
      const user = await createUser(t);
      const other = await login(t, user.username, user.password);
      const current = await login(t, user.username, user.password);
      expect((await change(current.accessToken, user.password, 'Brand-New-Harbor-9')).status).toBe(204);
      expect((await me(other.accessToken)).status).toBe(401);
      expect((await me(current.accessToken)).status).toBe(200);
      expect((await attempt(user.username, 'Brand-New-Harbor-9')).status).toBe(200);
      expect((await attempt(user.username, user.password)).status).toBe(401);
      expect(await audits('auth.password.changed', user.id)).toEqual([
        { sessionId: current.sessionId, revokedSessions: 1, trustedDevicesRevoked: 0 },
      ]);
      expect(messagesTo(t, user.email, 'password_changed')).toHaveLength(1);
    });

    it('refuses the current password and the ones before it (history of 5), and any policy breach, with 422', async () => {
      const user = await createUser(t);
      const s = await login(t, user.username, user.password);
      const passwords = [user.password, 'History-Pass-1!', 'History-Pass-2!'];
      for (let i = 1; i < passwords.length; i++) {
        expect((await change(s.accessToken, passwords[i - 1], passwords[i])).status).toBe(204);
      }
      for (const old of passwords) {
        const res = await change(s.accessToken, passwords.at(-1)!, old);
        expect(res.status).toBe(422);
        expect(res.body.violations).toEqual(['history']);
      }
      const weak = await change(s.accessToken, passwords.at(-1)!, `${user.username}-Aa1!`);
      expect(weak.status).toBe(422);
      expect(weak.body.violations).toEqual(['contains_username', 'contains_email']);
      expect((await change(s.accessToken, passwords.at(-1)!, `Aa1!${'x'.repeat(69)}`)).status).toBe(400);
    });

    it('keeps only as much history as the policy needs', async () => {
      const user = await createUser(t);
      const s = await login(t, user.username, user.password);
      let current = user.password;
      for (let i = 0; i < 7; i++) {
        const next = `Rotating-Pass-${i}!`;
        expect((await change(s.accessToken, current, next)).status).toBe(204);
        current = next;
      }
      const [row] = await t.db.query(`SELECT count(*)::int AS n FROM password_history_v2 WHERE user_id = $1`, [
        user.id,
      ]);
      expect(row.n).toBe(4);
      // Six passwords back is beyond the last five: allowed again.
      expect((await change(s.accessToken, current, 'Rotating-Pass-1!')).status).toBe(204);
    });

    it('needs a signed-in user', async () => {
      const res = await t.request({ method: 'POST', url: CHANGE, body: { currentPassword: 'a', newPassword: 'b' } });
      expect(res.status).toBe(401);
    });
  });
});
