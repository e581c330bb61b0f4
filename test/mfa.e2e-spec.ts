import { createTenant, createUser, type FixtureUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';
import {
  auditCount,
  enrolTotp,
  findInDatabase,
  lastMessage,
  passwordLogin,
  post,
  roomInStep,
  totpNow,
} from './mfa.support';

describe('MFA: TOTP, backup codes, SMS and email codes, enforcement, admin reset', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** A customer with TOTP enabled; returns its secret and backup codes. */
  async function userWithTotp(): Promise<FixtureUser & { secret: string; backupCodes: string[] }> {
    const user = await createUser(t);
    const session = await login(t, user.username, user.password);
    return { ...user, ...(await enrolTotp(t, session.accessToken)) };
  }

  async function mfaToken(user: FixtureUser): Promise<string> {
    const res = await passwordLogin(t, user);
    expect(res.status).toBe(200);
    expect(res.body.mfaRequired).toBe(true);
    return res.body.mfaToken;
  }

  describe('TOTP enrolment', () => {
    it('gives the secret, an otpauth URL with the issuer and a QR code, then enables TOTP with backup codes', async () => {
      const user = await createUser(t);
      const { accessToken } = await login(t, user.username, user.password);
      await roomInStep();
      const setup = await post(t, '/auth/mfa/setup', { method: 'totp' }, { token: accessToken });
      expect(setup.status).toBe(200);
      expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      const url = new URL(setup.body.otpauthUrl);
      expect(url.protocol).toBe('otpauth:');
      expect(url.searchParams.get('secret')).toBe(setup.body.secret);
      expect(url.searchParams.get('issuer')).toBe('DotMac');
      expect(setup.body.qrCode).toMatch(/^data:image\/png;base64,/);

      const before = await t.request({ method: 'GET', url: '/api/v2/auth/mfa', token: accessToken });
      expect(before.body.methods).toEqual([{ method: 'totp', enabled: false, enabledAt: null }]);

      const wrong = await post(t, '/auth/mfa/verify', { method: 'totp', code: '000000' }, { token: accessToken });
      expect(wrong.status).toBe(400);
      const verify = await post(
        t,
        '/auth/mfa/verify',
        { method: 'totp', code: totpNow(setup.body.secret) },
        { token: accessToken },
      );
      expect(verify.status).toBe(200);
      expect(verify.body.backupCodes).toHaveLength(10);
      expect(new Set(verify.body.backupCodes).size).toBe(10);

      const after = await t.request({ method: 'GET', url: '/api/v2/auth/mfa', token: accessToken });
      expect(after.body).toMatchObject({ methods: [{ method: 'totp', enabled: true }], backupCodesRemaining: 10 });
      expect(JSON.stringify(after.body)).not.toContain(setup.body.secret);
      expect(await auditCount(t, 'auth.mfa.enabled', user.id)).toBe(1);

      const again = await post(t, '/auth/mfa/setup', { method: 'totp' }, { token: accessToken });
      expect(again.status).toBe(409);
    });

    it('refuses unknown methods, unknown fields and verification without a pending setup', async () => {
      const user = await createUser(t);
      const { accessToken } = await login(t, user.username, user.password);
      expect((await post(t, '/auth/mfa/setup', { method: 'carrier-pigeon' }, { token: accessToken })).status).toBe(400);
      expect((await post(t, '/auth/mfa/setup', { method: 'totp', extra: 1 }, { token: accessToken })).status).toBe(400);
      expect(
        (await post(t, '/auth/mfa/setup', { method: 'totp', destination: '+4915112345678' }, { token: accessToken }))
          .status,
      ).toBe(400);
      expect(
        (await post(t, '/auth/mfa/verify', { method: 'totp', code: '123456' }, { token: accessToken })).status,
      ).toBe(400);
      expect((await post(t, '/auth/mfa/setup', { method: 'totp' })).status).toBe(401);
    });
  });

  describe('login with TOTP', () => {
    it('answers the password step with an mfaToken, and the challenge with tokens', async () => {
      const user = await userWithTotp();
      const step = await passwordLogin(t, user);
      expect(step.status).toBe(200);
      expect(step.body).toEqual({
        mfaRequired: true,
        mfaToken: expect.any(String),
        expiresIn: 300,
        mfaMethods: ['totp', 'backup_code'],
      });

      const done = await post(t, '/auth/mfa/challenge', { mfaToken: step.body.mfaToken, code: totpNow(user.secret) });
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ tokenType: 'Bearer', sessionId: expect.any(String), user: { id: user.id } });
      const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: done.body.accessToken });
      expect(me.status).toBe(200);
      expect(await auditCount(t, 'auth.mfa.success', user.id)).toBe(1);
    });

    it('refuses a replayed code and a wrong code with 401', async () => {
      const user = await userWithTotp();
      const code = totpNow(user.secret);
      expect((await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code })).status).toBe(200);
      const replay = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code });
      expect(replay.status).toBe(401);
      const wrong = String((Number(totpNow(user.secret, 1)) + 500_000) % 1_000_000).padStart(6, '0');
      const bad = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: wrong });
      expect(bad.status).toBe(401);
      expect(await auditCount(t, 'auth.mfa.failure', user.id)).toBe(2);
    });

    it('accepts the same code sent twice in parallel only once', async () => {
      const user = await userWithTotp();
      const [a, b] = [await mfaToken(user), await mfaToken(user)];
      const code = totpNow(user.secret);
      const results = await Promise.all([
        post(t, '/auth/mfa/challenge', { mfaToken: a, code }),
        post(t, '/auth/mfa/challenge', { mfaToken: b, code }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it('never lets an mfaToken act as a bearer token, nor an access token as an mfaToken', async () => {
      const user = await userWithTotp();
      const token = await mfaToken(user);
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token })).status).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/v2/auth/mfa', token })).status).toBe(401);
      const admin = await login(t, 'admin', ADMIN_PASSWORD);
      const misuse = await post(t, '/auth/mfa/challenge', { mfaToken: admin.accessToken, code: totpNow(user.secret) });
      expect(misuse.status).toBe(401);
      expect((await post(t, '/auth/mfa/challenge', { mfaToken: 'garbage', code: '123456' })).status).toBe(401);
    });

    it('lets a backup code through exactly once', async () => {
      const user = await userWithTotp();
      const [code] = user.backupCodes;
      const first = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code });
      expect(first.status).toBe(200);
      const second = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code });
      expect(second.status).toBe(401);
      // Typed differently (upper case, no dashes), another code of the set works, with the method named.
      const other = user.backupCodes[1].toUpperCase().replace(/-/g, '');
      const third = await post(t, '/auth/mfa/challenge', {
        mfaToken: await mfaToken(user),
        code: other,
        method: 'backup_code',
      });
      expect(third.status).toBe(200);
      const status = await t.request({ method: 'GET', url: '/api/v2/auth/mfa', token: third.body.accessToken });
      expect(status.body.backupCodesRemaining).toBe(8);
    });

    it('counts failed challenges toward the account lockout', async () => {
      const user = await userWithTotp();
      const token = await mfaToken(user);
      for (let i = 0; i < 5; i++) {
        expect((await post(t, '/auth/mfa/challenge', { mfaToken: token, code: '000000', method: 'totp' })).status).toBe(
          401,
        );
      }
      const right = await post(t, '/auth/mfa/challenge', { mfaToken: token, code: totpNow(user.secret) });
      expect(right.status).toBe(401);
      expect((await passwordLogin(t, user)).status).toBe(401);
      expect(await auditCount(t, 'auth.lockout', user.id)).toBe(1);
    });

    it('does not count a right password toward the lockout when the MFA step is abandoned', async () => {
      const user = await userWithTotp();
      for (let i = 0; i < 6; i++) await mfaToken(user);
      const done = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: user.backupCodes[0] });
      expect(done.status).toBe(200);
    });
  });

  describe('managing methods', () => {
    it('regenerates backup codes only with the password; the old ones stop working', async () => {
      const user = await userWithTotp();
      const done = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: user.backupCodes[0] });
      const token = done.body.accessToken;
      expect((await post(t, '/auth/mfa/backup-codes', { password: 'Wrong-password-1!' }, { token })).status).toBe(403);
      const fresh = await post(t, '/auth/mfa/backup-codes', { password: user.password }, { token });
      expect(fresh.status).toBe(200);
      expect(fresh.body.backupCodes).toHaveLength(10);
      expect(
        (await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: user.backupCodes[1] })).status,
      ).toBe(401);
      expect(
        (await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: fresh.body.backupCodes[0] }))
          .status,
      ).toBe(200);
    });

    it('adds another method only with the password, and then renews the backup codes', async () => {
      const user = await userWithTotp();
      const done = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: user.backupCodes[0] });
      const token = done.body.accessToken;
      expect((await post(t, '/auth/mfa/setup', { method: 'email' }, { token })).status).toBe(400);
      const wrong = await post(t, '/auth/mfa/setup', { method: 'email', password: 'Wrong-password-1!' }, { token });
      expect(wrong.status).toBe(403);
      const setup = await post(t, '/auth/mfa/setup', { method: 'email', password: user.password }, { token });
      expect(setup.status).toBe(200);
      const code = lastMessage(t, user.email, 'mfa_code')!.code;
      const verify = await post(t, '/auth/mfa/verify', { method: 'email', code }, { token });
      expect(verify.status).toBe(200);
      expect(verify.body.backupCodes).toHaveLength(10);
      expect(
        (await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: user.backupCodes[1] })).status,
      ).toBe(401);

      const step = await passwordLogin(t, user);
      expect(step.body.mfaMethods).toEqual(['totp', 'email', 'backup_code']);
      expect(step.body.codeSentBy).toBeUndefined();
    });

    it('disables a method only with the right password', async () => {
      const user = await userWithTotp();
      const done = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: user.backupCodes[0] });
      const token = done.body.accessToken;
      const refused = await t.request({
        method: 'DELETE',
        url: '/api/v2/auth/mfa/totp',
        token,
        body: { password: 'Wrong-password-1!' },
      });
      expect(refused.status).toBe(403);
      expect((await passwordLogin(t, user)).body.mfaRequired).toBe(true);

      expect(
        (await t.request({ method: 'DELETE', url: '/api/v2/auth/mfa/sms', token, body: { password: user.password } }))
          .status,
      ).toBe(404);
      expect(
        (await t.request({ method: 'DELETE', url: '/api/v2/auth/mfa/fax', token, body: { password: user.password } }))
          .status,
      ).toBe(400);
      const ok = await t.request({
        method: 'DELETE',
        url: '/api/v2/auth/mfa/totp',
        token,
        body: { password: user.password },
      });
      expect(ok.status).toBe(204);
      const plain = await passwordLogin(t, user);
      expect(plain.body.accessToken).toEqual(expect.any(String));
      expect(plain.body.mfaRequired).toBeUndefined();
      expect(await auditCount(t, 'auth.mfa.disabled', user.id)).toBe(1);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM mfa_backup_codes WHERE user_id = $1`, [user.id]);
      expect(n).toBe(0);
    });
  });

  describe('email and SMS codes', () => {
    it('enrols email with a code from the outbox, sends a code at the password step, and lets it in once', async () => {
      const user = await createUser(t);
      const { accessToken } = await login(t, user.username, user.password);
      const setup = await post(t, '/auth/mfa/setup', { method: 'email' }, { token: accessToken });
      expect(setup.status).toBe(200);
      expect(setup.body).toEqual({ method: 'email', sentTo: `${user.email[0]}***@example.test`, expiresIn: 300 });
      const enrolCode = lastMessage(t, user.email, 'mfa_code')!.code!;
      expect(enrolCode).toMatch(/^\d{6}$/);
      const verify = await post(t, '/auth/mfa/verify', { method: 'email', code: enrolCode }, { token: accessToken });
      expect(verify.status).toBe(200);

      const step = await passwordLogin(t, user);
      expect(step.body).toMatchObject({ mfaRequired: true, mfaMethods: ['email', 'backup_code'], codeSentBy: 'email' });
      const loginCode = lastMessage(t, user.email, 'mfa_code')!.code!;
      expect(loginCode).not.toBe(enrolCode);
      // The setup code is spent and was never a login code.
      expect(
        (await post(t, '/auth/mfa/challenge', { mfaToken: step.body.mfaToken, code: enrolCode, method: 'email' }))
          .status,
      ).toBe(401);

      const resend = await post(t, '/auth/mfa/send', { mfaToken: step.body.mfaToken, method: 'email' });
      expect(resend.status).toBe(429);
      expect(Number(resend.headers['retry-after'])).toBeGreaterThan(0);

      const done = await post(t, '/auth/mfa/challenge', { mfaToken: step.body.mfaToken, code: loginCode });
      expect(done.status).toBe(200);
      const again = await post(t, '/auth/mfa/challenge', { mfaToken: step.body.mfaToken, code: loginCode });
      expect(again.status).toBe(401);
    });

    it('stops accepting a code after five wrong attempts', async () => {
      await createTenant(t, 'lenient', { passwordPolicy: { maxFailedAttempts: 20 } });
      const user = await createUser(t, { tenant: 'lenient' });
      const { accessToken } = await login(t, user.username, user.password, 'lenient');
      await post(t, '/auth/mfa/setup', { method: 'email' }, { token: accessToken });
      await post(
        t,
        '/auth/mfa/verify',
        { method: 'email', code: lastMessage(t, user.email, 'mfa_code')!.code },
        { token: accessToken },
      );
      const step = await passwordLogin(t, user, { tenant: 'lenient' });
      const code = lastMessage(t, user.email, 'mfa_code')!.code!;
      const wrong = code === '000000' ? '000001' : '000000';
      for (let i = 0; i < 5; i++) {
        expect((await post(t, '/auth/mfa/challenge', { mfaToken: step.body.mfaToken, code: wrong })).status).toBe(401);
      }
      expect((await post(t, '/auth/mfa/challenge', { mfaToken: step.body.mfaToken, code })).status).toBe(401);
    });

    it('enrols SMS to the number given, or refuses when there is none', async () => {
      const user = await createUser(t);
      const { accessToken } = await login(t, user.username, user.password);
      expect((await post(t, '/auth/mfa/setup', { method: 'sms' }, { token: accessToken })).status).toBe(400);
      expect(
        (await post(t, '/auth/mfa/setup', { method: 'sms', destination: '015112345678' }, { token: accessToken }))
          .status,
      ).toBe(400);
      const phone = '+4915112345678';
      const setup = await post(t, '/auth/mfa/setup', { method: 'sms', destination: phone }, { token: accessToken });
      expect(setup.status).toBe(200);
      expect(setup.body.sentTo).toBe('+***********78');
      const sms = lastMessage(t, phone, 'mfa_code')!;
      expect(sms.channel).toBe('sms');
      expect(
        (await post(t, '/auth/mfa/verify', { method: 'sms', code: sms.code }, { token: accessToken })).status,
      ).toBe(200);
      expect(await findInDatabase(t, phone.slice(1))).toEqual([]);

      const step = await passwordLogin(t, user);
      expect(step.body.codeSentBy).toBe('sms');
      const done = await post(t, '/auth/mfa/challenge', {
        mfaToken: step.body.mfaToken,
        code: lastMessage(t, phone, 'mfa_code')!.code,
      });
      expect(done.status).toBe(200);
    });
  });

  describe('enforcement by policy', () => {
    it('tells the bootstrap super admin that MFA must be set up, and lets the token work during the grace period', async () => {
      const res = await passwordLogin(t, { username: 'admin', password: ADMIN_PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body.mfaSetupRequired).toBe(true);
      expect((await t.request({ method: 'GET', url: '/api/v2/devices', token: res.body.accessToken })).status).toBe(
        200,
      );
    });

    it('after the grace period, restricts the session to MFA setup until MFA is enabled', async () => {
      await createTenant(t, 'strict', { requireMfa: true });
      const user = await createUser(t, { tenant: 'strict' });
      const fresh = await passwordLogin(t, user, { tenant: 'strict' });
      expect(fresh.body.mfaSetupRequired).toBe(true);
      expect((await t.request({ method: 'GET', url: '/api/v2/devices', token: fresh.body.accessToken })).status).toBe(
        200,
      );

      await t.db.query(`UPDATE users_v2 SET created_at = now() - interval '73 hours' WHERE id = $1`, [user.id]);
      const late = await passwordLogin(t, user, { tenant: 'strict' });
      expect(late.body.mfaSetupRequired).toBe(true);
      const token = late.body.accessToken;
      expect((await t.request({ method: 'GET', url: '/api/v2/devices', token })).status).toBe(403);
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token })).status).toBe(200);
      const status = await t.request({ method: 'GET', url: '/api/v2/auth/mfa', token });
      expect(status.body).toMatchObject({ required: true, enrolmentDeadline: expect.any(String) });

      const { secret } = await enrolTotp(t, token);
      expect((await t.request({ method: 'GET', url: '/api/v2/devices', token })).status).toBe(200);
      // The policy keeps the last method from being disabled.
      const refused = await t.request({
        method: 'DELETE',
        url: '/api/v2/auth/mfa/totp',
        token,
        body: { password: user.password },
      });
      expect(refused.status).toBe(422);
      const next = await passwordLogin(t, user, { tenant: 'strict' });
      expect(next.body.mfaRequired).toBe(true);
      expect(
        (await post(t, '/auth/mfa/challenge', { mfaToken: next.body.mfaToken, code: totpNow(secret) })).status,
      ).toBe(200);
    });

    it('does not require MFA of customers by default', async () => {
      const user = await createUser(t);
      const res = await passwordLogin(t, user);
      expect(res.body.accessToken).toEqual(expect.any(String));
      expect(res.body.mfaSetupRequired).toBeUndefined();
    });
  });

  describe('admin reset', () => {
    it('removes every method and backup code (users:update, audited), within the tenant only', async () => {
      const user = await userWithTotp();
      const admin = await login(t, 'admin', ADMIN_PASSWORD);
      const customer = await createUser(t);
      const customerSession = await login(t, customer.username, customer.password);
      const url = `/api/v2/users/${user.id}/mfa`;
      expect((await t.request({ method: 'DELETE', url, token: customerSession.accessToken })).status).toBe(403);
      expect(
        (await t.request({ method: 'DELETE', url: '/api/v2/users/not-a-uuid/mfa', token: admin.accessToken })).status,
      ).toBe(400);

      await createTenant(t, 'other-co');
      const outsider = await createUser(t, { tenant: 'other-co', userType: 'tenant_admin' });
      const outsiderSession = await login(t, outsider.username, outsider.password, 'other-co');
      expect((await t.request({ method: 'DELETE', url, token: outsiderSession.accessToken })).status).toBe(404);

      expect((await t.request({ method: 'DELETE', url, token: admin.accessToken })).status).toBe(204);
      const plain = await passwordLogin(t, user);
      expect(plain.body.accessToken).toEqual(expect.any(String));
      expect(await auditCount(t, 'auth.mfa.reset', user.id)).toBe(1);
      const [{ n }] = await t.db.query(
        `SELECT (SELECT count(*) FROM user_mfa_v2 WHERE user_id = $1) + (SELECT count(*) FROM mfa_backup_codes WHERE user_id = $1) AS n`,
        [user.id],
      );
      expect(Number(n)).toBe(0);
    });
  });

  describe('secrets', () => {
    it('keeps TOTP secrets, backup codes and one-time codes out of responses and out of the database in clear', async () => {
      const user = await userWithTotp();
      const done = await post(t, '/auth/mfa/challenge', { mfaToken: await mfaToken(user), code: user.backupCodes[0] });
      const status = await t.request({ method: 'GET', url: '/api/v2/auth/mfa', token: done.body.accessToken });
      const step = await passwordLogin(t, user);
      for (const res of [done, status, step]) {
        expect(res.text).not.toContain(user.secret);
        for (const code of user.backupCodes) expect(res.text).not.toContain(code);
      }

      const emailUser = await createUser(t);
      const session = await login(t, emailUser.username, emailUser.password);
      await post(t, '/auth/mfa/setup', { method: 'email' }, { token: session.accessToken });
      const enrolCode = lastMessage(t, emailUser.email, 'mfa_code')!.code!;
      const verify = await post(
        t,
        '/auth/mfa/verify',
        { method: 'email', code: enrolCode },
        { token: session.accessToken },
      );
      await passwordLogin(t, emailUser);
      const loginCode = lastMessage(t, emailUser.email, 'mfa_code')!.code!;

      const [{ secret_enc }] = await t.db.query(`SELECT secret_enc FROM user_mfa_v2 WHERE user_id = $1`, [user.id]);
      expect(secret_enc).toMatch(/^v1\./);
      const needles = [user.secret, ...user.backupCodes, ...user.backupCodes.map((c) => c.replace(/-/g, ''))];
      needles.push(...verify.body.backupCodes, enrolCode, loginCode);
      for (const needle of needles)
        expect({ needle, found: await findInDatabase(t, needle) }).toEqual({ needle, found: [] });
    });
  });
});
