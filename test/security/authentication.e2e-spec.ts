import bcrypt from 'bcrypt';
import { createTenant, createUser } from '../support/fixtures';
import { lastToken, messagesTo } from '../support/outbox';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from '../support/test-app';
import { enrolTotp, passwordLogin, post, roomInStep, totpNow } from '../mfa.support';
import { GOOD_PASSWORD, comparable, uniq } from './support';

/**
 * OWASP ASVS 5.0, V6 (authentication), attacked through the HTTP API: user enumeration, password and
 * TOTP brute force (sequential and parallel), one-time code and token replay.
 */
describe('Security: authentication (ASVS V6)', () => {
  let t: TestApp;
  let admin: string;
  // bcrypt at a cost where a comparison, not the database, dominates a login: timing differences show.
  beforeAll(async () => {
    t = await startTestApp({ BCRYPT_ROUNDS: '8', REQUIRE_MFA_FOR_ADMIN: 'false' });
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => t.close());

  const attempt = (username: string, password: string, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: '/api/v2/auth/login', body: { username, password }, headers });

  /** An account created through the API: its password hashed at the configured cost, like every real one. */
  const account = async (o: { password?: string } = {}) => {
    const username = uniq('acct');
    const res = await t.request({
      method: 'POST',
      url: '/api/v2/users',
      token: admin,
      body: {
        username,
        email: `${username}@example.test`,
        firstName: 'Ac',
        lastName: 'Count',
        userType: 'customer',
        ...(o.password ? { password: o.password } : {}),
      },
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, username, email: `${username}@example.test`, password: o.password };
  };

  const failureReasons = async (userId: string) =>
    Object.fromEntries(
      (
        await t.db.query(
          `SELECT metadata->>'reason' AS reason, count(*)::int AS n FROM audit_log
            WHERE action = 'auth.login.failure' AND target_id = $1 GROUP BY 1`,
          [userId],
        )
      ).map((r: { reason: string; n: number }) => [r.reason, r.n]),
    );

  it('V6.3.8 login: unknown, wrong, locked, password-less, suspended and other-tenant accounts get the same 401 after one bcrypt comparison', async () => {
    const user = await account({ password: GOOD_PASSWORD });
    const locked = await account({ password: GOOD_PASSWORD });
    for (let i = 0; i < 5; i++) await attempt(locked.username, 'Wrong-Password-1!');
    const invited = await account(); // pending, no password yet
    const suspended = await account({ password: GOOD_PASSWORD });
    await t.request({ method: 'POST', url: `/api/v2/users/${suspended.id}/suspend`, token: admin, body: {} });
    await createTenant(t, 'enum-other');
    const elsewhere = await createUser(t, { tenant: 'enum-other' });

    const compare = jest.spyOn(bcrypt, 'compare');
    const cases: [string, () => Promise<{ status: number; body: unknown }>][] = [
      ['unknown username', async () => comparable(await attempt('nobody-at-all', 'Wrong-Password-1!'))],
      ['unknown email', async () => comparable(await attempt('nobody@example.test', 'Wrong-Password-1!'))],
      ['wrong password', async () => comparable(await attempt(user.username, 'Wrong-Password-1!'))],
      ['wrong password, by email', async () => comparable(await attempt(user.email, 'Wrong-Password-1!'))],
      ['locked, right password', async () => comparable(await attempt(locked.username, GOOD_PASSWORD))],
      ['invited, no password yet', async () => comparable(await attempt(invited.username, GOOD_PASSWORD))],
      ['suspended, wrong password', async () => comparable(await attempt(suspended.username, 'Wrong-Password-1!'))],
      ['other tenant’s user', async () => comparable(await attempt(elsewhere.username, elsewhere.password))],
    ];
    const reference = {
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' },
    };
    for (const [name, run] of cases) {
      compare.mockClear();
      expect({ name, answer: await run() }).toEqual({ name, answer: reference });
      expect({ name, comparisons: compare.mock.calls.length }).toEqual({ name, comparisons: 1 });
    }
  });

  it('V6.3.8 login timing: unknown users and wrong passwords take about as long (medians within a factor of two)', async () => {
    const user = await account({ password: GOOD_PASSWORD });
    const unknown: number[] = [];
    const wrong: number[] = [];
    const timed = async (username: string, into: number[]) => {
      const started = process.hrtime.bigint();
      expect((await attempt(username, 'Wrong-Password-1!')).status).toBe(401);
      into.push(Number(process.hrtime.bigint() - started) / 1e6);
    };
    // Interleaved, fewer than the lockout threshold in a row for the real account.
    for (let i = 0; i < 8; i++) {
      await timed(`nobody${i}`, unknown);
      await timed(user.username, wrong);
      if (i % 4 === 3) await attempt(user.username, GOOD_PASSWORD); // a success ends the run of failures
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ratio = median(wrong) / median(unknown);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('V6.3.8 forgot password: the same 202 for an account, an unknown address, a suspended account and another tenant’s address', async () => {
    const user = await account({ password: GOOD_PASSWORD });
    const suspended = await account({ password: GOOD_PASSWORD });
    await t.request({ method: 'POST', url: `/api/v2/users/${suspended.id}/suspend`, token: admin, body: {} });
    const elsewhere = await createUser(t, { tenant: 'enum-other' });
    const forgot = async (email: string) =>
      comparable(await t.request({ method: 'POST', url: '/api/v2/auth/password/forgot', body: { email } }));

    const answers = [
      await forgot(user.email),
      await forgot('nobody-here@example.test'),
      await forgot(suspended.email),
      await forgot(elsewhere.email),
    ];
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0].status).toBe(202);
    // The mail goes out in the background, only to the active account of this tenant.
    for (let i = 0; i < 50 && messagesTo(t, user.email, 'password_reset').length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(messagesTo(t, user.email, 'password_reset')).toHaveLength(1);
    for (const email of ['nobody-here@example.test', suspended.email, elsewhere.email]) {
      expect(messagesTo(t, email, 'password_reset')).toEqual([]);
    }
  });

  it('V6.3.8 registration: a taken username answers the same 409 whatever the state of the account holding it; other tenants’ names are free', async () => {
    const active = await account({ password: GOOD_PASSWORD });
    const pending = await account();
    const suspended = await account({ password: GOOD_PASSWORD });
    await t.request({ method: 'POST', url: `/api/v2/users/${suspended.id}/suspend`, token: admin, body: {} });
    const elsewhere = await createUser(t, { tenant: 'enum-other' });
    const register = async (username: string) =>
      comparable(
        await t.request({
          method: 'POST',
          url: '/api/v2/auth/register',
          body: {
            username,
            email: `${uniq('fresh')}@example.test`,
            password: GOOD_PASSWORD,
            firstName: 'Reg',
            lastName: 'Ister',
            termsAccepted: true,
            privacyAccepted: true,
          },
        }),
      );
    const taken = [
      await register(active.username),
      await register(pending.username),
      await register(suspended.username),
    ];
    expect(taken[0].status).toBe(409);
    for (const answer of taken) expect(answer).toEqual(taken[0]);
    expect((await register(elsewhere.username)).status).toBe(201);
  });

  it('V6.3.1 brute force: after ACCOUNT_LOCKOUT_ATTEMPTS failures even the right password gets the same 401', async () => {
    const user = await account({ password: GOOD_PASSWORD });
    const wrong = comparable(await attempt(user.username, 'Wrong-Password-1!'));
    for (let i = 0; i < 4; i++) await attempt(user.username, 'Wrong-Password-1!');
    expect(comparable(await attempt(user.username, GOOD_PASSWORD))).toEqual(wrong);
    expect(await failureReasons(user.id)).toEqual({ wrong_password: 5, locked: 1 });
  });

  it('V6.3.1 parallel brute force: 40 concurrent guesses are judged by at most ACCOUNT_LOCKOUT_ATTEMPTS password comparisons', async () => {
    const user = await account({ password: GOOD_PASSWORD });
    const answers = await Promise.all(Array.from({ length: 40 }, () => attempt(user.username, 'Wrong-Password-1!')));
    expect(answers.map((r) => r.status)).toEqual(Array(40).fill(401));
    expect(await failureReasons(user.id)).toEqual({ wrong_password: 5, locked: 35 });
    expect((await attempt(user.username, GOOD_PASSWORD)).status).toBe(401);
  });

  describe('TOTP', () => {
    const enrolled = async () => {
      const user = await createUser(t);
      const session = await login(t, user.username, user.password);
      return { user, ...(await enrolTotp(t, session.accessToken)) };
    };
    const challenge = (mfaToken: string, code: string) => post(t, '/auth/mfa/challenge', { mfaToken, code });

    it('V6.6.3 brute force: wrong codes count toward the lockout; after it the right code and the password fail too', async () => {
      const { user, secret } = await enrolled();
      await roomInStep(4);
      const step = await passwordLogin(t, user);
      expect(step.body.mfaRequired).toBe(true);
      const valid = new Set([-1, 0, 1].map((o) => totpNow(secret, o)));
      const guesses = ['000000', '111111', '222222', '333333', '444444', '555555', '666666'].filter(
        (c) => !valid.has(c),
      );
      for (const code of guesses.slice(0, 5)) expect((await challenge(step.body.mfaToken, code)).status).toBe(401);
      expect((await challenge(step.body.mfaToken, totpNow(secret))).status).toBe(401);
      expect((await passwordLogin(t, user)).status).toBe(401);
    });

    it('V6.5.1 replay: a TOTP code and a backup code each sign in once', async () => {
      const { user, secret, backupCodes } = await enrolled();
      await roomInStep(4);
      const code = totpNow(secret);
      const first = await passwordLogin(t, user);
      expect((await challenge(first.body.mfaToken, code)).status).toBe(200);
      const second = await passwordLogin(t, user);
      expect((await challenge(second.body.mfaToken, code)).status).toBe(401);

      const third = await passwordLogin(t, user);
      expect((await challenge(third.body.mfaToken, backupCodes[0])).status).toBe(200);
      const fourth = await passwordLogin(t, user);
      expect((await challenge(fourth.body.mfaToken, backupCodes[0])).status).toBe(401);
    });

    it('V6.4.3 a password reset does not bypass MFA', async () => {
      const { user } = await enrolled();
      await post(t, '/auth/password/forgot', { email: user.email });
      for (let i = 0; i < 50 && messagesTo(t, user.email, 'password_reset').length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const token = lastToken(t, user.email, 'password_reset');
      expect((await post(t, '/auth/password/reset', { token, newPassword: GOOD_PASSWORD })).status).toBe(204);
      const after = await passwordLogin(t, { username: user.username, password: GOOD_PASSWORD });
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ mfaRequired: true });
      expect(after.body.accessToken).toBeUndefined();
    });
  });

  it('V6.4.1 one-time tokens: a verification or reset token works once, and only for its purpose', async () => {
    const username = uniq('once');
    const email = `${username}@example.test`;
    const registered = await post(t, '/auth/register', {
      username,
      email,
      password: GOOD_PASSWORD,
      firstName: 'One',
      lastName: 'Time',
      termsAccepted: true,
      privacyAccepted: true,
    });
    expect(registered.status).toBe(201);
    const verification = lastToken(t, email, 'email_verification');
    // Not a reset token, whatever it looks like.
    expect(
      (await post(t, '/auth/password/reset', { token: verification, newPassword: 'Other-Harbor-43-Xq!' })).status,
    ).toBe(400);
    expect((await post(t, '/auth/verify-email', { token: verification })).status).toBe(200);
    expect((await post(t, '/auth/verify-email', { token: verification })).status).toBe(400);

    await post(t, '/auth/password/forgot', { email });
    for (let i = 0; i < 50 && messagesTo(t, email, 'password_reset').length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const reset = lastToken(t, email, 'password_reset');
    expect((await post(t, '/auth/verify-email', { token: reset })).status).toBe(400);
    expect((await post(t, '/auth/password/reset', { token: reset, newPassword: 'Other-Harbor-43-Xq!' })).status).toBe(
      204,
    );
    expect((await post(t, '/auth/password/reset', { token: reset, newPassword: 'Third-Harbor-44-Xq!' })).status).toBe(
      400,
    );
    expect((await attempt(username, 'Other-Harbor-43-Xq!')).status).toBe(200);
  });
});
