import { findInDatabase, roomInStep, totpNow } from '../mfa.support';
import { lastToken, messagesTo } from '../support/outbox';
import { ADMIN_PASSWORD, RequestOptions, TestApp, TestResponse, startTestApp } from '../support/test-app';
import { uniq } from './support';

interface Recorded {
  label: string;
  text: string;
}

interface Secret {
  name: string;
  value: string;
  /** The responses allowed to carry it (it is created there), or none: it only ever goes by mail. */
  issuedBy: string[];
}

const BCRYPT_HASH = /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/;
const INTERNAL_FIELDS =
  /"(passwordHash|password_hash|secretEnc|secret_enc|tokenHash|token_hash|refreshTokenHash|keyHash|key_hash|codeHash|destinationEnc)"/;

/**
 * OWASP ASVS 5.0 V15.3.1 (responses carry only what they must), V16.2.5 (no secrets in the log) and
 * V11/V14 at rest: every secret one account meets in its life, followed through every response, the whole
 * log at trace level, and every text column of the database.
 */
describe('Security: secrets in responses, logs and the database (ASVS V14, V15.3.1, V16.2.5)', () => {
  let t: TestApp;
  const written: string[] = [];
  const responses: Recorded[] = [];
  const secrets: Secret[] = [];

  beforeAll(async () => {
    // Everything the logger writes at the most verbose level: with process.stdout.write replaced, pino
    // writes through it (see test/mfa-logs.e2e-spec.ts).
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    t = await startTestApp({ LOG_LEVEL: 'trace', REQUIRE_MFA_FOR_ADMIN: 'false' });
  });
  afterAll(async () => {
    await t.close();
    jest.restoreAllMocks();
  });

  const call = async (label: string, o: RequestOptions): Promise<TestResponse> => {
    const res = await t.request(o);
    responses.push({ label, text: `${JSON.stringify(res.headers)}\n${res.text}` });
    return res;
  };
  const post = (label: string, url: string, body: unknown, token?: string) =>
    call(label, { method: 'POST', url: `/api/v2${url}`, body, token });
  const get = (label: string, url: string, token: string) =>
    call(label, { method: 'GET', url: `/api/v2${url}`, token });
  const keep = (name: string, value: string | undefined, issuedBy?: string) => {
    expect({ name, value }).toEqual({ name, value: expect.any(String) });
    // A refresh within the same second as the sign-in signs the very same claims: the same access token.
    const known = secrets.find((s) => s.value === value);
    if (known) known.issuedBy.push(...(issuedBy ? [issuedBy] : []));
    else secrets.push({ name, value: value!, issuedBy: issuedBy ? [issuedBy] : [] });
  };
  const mailed = async (email: string, kind: string) => {
    for (let i = 0; i < 50 && messagesTo(t, email, kind).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    return lastToken(t, email, kind);
  };

  it('walks one account through every flow that handles a secret', async () => {
    const username = uniq('secret');
    const email = `${username}@example.test`;
    const passwords = ['First-Harbor-41-Xq!', 'Second-Harbor-42-Xq!', 'Third-Harbor-43-Xq!'];
    passwords.forEach((p, i) => keep(`password ${i + 1}`, p));

    expect(
      (
        await post('register', '/auth/register', {
          username,
          email,
          password: passwords[0],
          firstName: 'Sec',
          lastName: 'Ret',
          termsAccepted: true,
          privacyAccepted: true,
        })
      ).status,
    ).toBe(201);
    keep('verification token', lastToken(t, email, 'email_verification'));
    expect(
      (await post('verify', '/auth/verify-email', { token: lastToken(t, email, 'email_verification') })).status,
    ).toBe(200);

    // Refused input that carries a secret is not echoed back.
    await post('login with an unknown field', '/auth/login', { username, password: passwords[0], extra: passwords[0] });
    await post('login with a wrong password', '/auth/login', { username, password: `${passwords[0]}x` });

    const first = await post('login 1', '/auth/login', { username, password: passwords[0] });
    keep('access token 1', first.body.accessToken, 'login 1');
    keep('refresh token 1', first.body.refreshToken, 'login 1');
    const rotated = await post('refresh', '/auth/refresh', { refreshToken: first.body.refreshToken });
    keep('access token 2', rotated.body.accessToken, 'refresh');
    keep('refresh token 2', rotated.body.refreshToken, 'refresh');

    await post('forgot', '/auth/password/forgot', { email });
    const resetToken = await mailed(email, 'password_reset');
    keep('reset token', resetToken);
    await post('reset: too long', '/auth/password/reset', {
      token: resetToken,
      newPassword: `${passwords[1]}${'y'.repeat(80)}`,
    });
    expect((await post('reset', '/auth/password/reset', { token: resetToken, newPassword: passwords[1] })).status).toBe(
      204,
    );

    const second = await post('login 2', '/auth/login', { username, password: passwords[1] });
    keep('access token 3', second.body.accessToken, 'login 2');
    keep('refresh token 3', second.body.refreshToken, 'login 2');
    const token = second.body.accessToken as string;
    expect(
      (
        await post(
          'change',
          '/auth/password/change',
          { currentPassword: passwords[1], newPassword: passwords[2] },
          token,
        )
      ).status,
    ).toBe(204);

    await roomInStep(4);
    const setup = await post('totp setup', '/auth/mfa/setup', { method: 'totp' }, token);
    keep('TOTP secret', setup.body.secret, 'totp setup');
    const verified = await post(
      'totp verify',
      '/auth/mfa/verify',
      { method: 'totp', code: totpNow(setup.body.secret, -1) },
      token,
    );
    expect(verified.status).toBe(200);
    (verified.body.backupCodes as string[]).forEach((c, i) => keep(`backup code ${i + 1}`, c, 'totp verify'));
    const emailSetup = await post('email setup', '/auth/mfa/setup', { method: 'email', password: passwords[2] }, token);
    expect(emailSetup.status).toBe(200);
    const emailCode = messagesTo(t, email, 'mfa_code').at(-1)!.code!;
    keep('email code', emailCode);
    const emailVerified = await post('email verify', '/auth/mfa/verify', { method: 'email', code: emailCode }, token);
    expect(emailVerified.status).toBe(200);
    // A second method comes with a new set of backup codes; the first set stops working.
    (emailVerified.body.backupCodes as string[]).forEach((c, i) => keep(`new backup code ${i + 1}`, c, 'email verify'));

    const step = await post('login 3', '/auth/login', { username, password: passwords[2] });
    keep('mfa token', step.body.mfaToken, 'login 3');
    const done = await post('challenge', '/auth/mfa/challenge', {
      mfaToken: step.body.mfaToken,
      code: emailVerified.body.backupCodes[0],
      trustDevice: true,
    });
    keep('device token', done.body.deviceToken, 'challenge');
    keep('access token 4', done.body.accessToken, 'challenge');
    keep('refresh token 4', done.body.refreshToken, 'challenge');
    const mine = done.body.accessToken as string;

    // An administrator's secrets: an API key and an invitation.
    const admin = await post('admin login', '/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    keep('admin password', ADMIN_PASSWORD);
    keep('admin access token', admin.body.accessToken, 'admin login');
    keep('admin refresh token', admin.body.refreshToken, 'admin login');
    const adminToken = admin.body.accessToken as string;
    const apiKey = await post(
      'api key',
      '/api-keys',
      { name: 'integration', scopes: ['users:read', 'audit:read'] },
      adminToken,
    );
    keep('API key', apiKey.body.key, 'api key');
    const invitee = `${uniq('inv')}@example.test`;
    expect(
      (await post('invite', '/users/invitations', { email: invitee, userType: 'customer' }, adminToken)).status,
    ).toBe(201);
    const invitation = lastToken(t, invitee, 'invitation');
    keep('invitation token', invitation);
    keep('invitee password', 'Fourth-Harbor-44-Xq!');
    const accepted = await post('accept', '/auth/invitations/accept', {
      token: invitation,
      username: uniq('invitee'),
      password: 'Fourth-Harbor-44-Xq!',
    });
    keep('invitee access token', accepted.body.accessToken, 'accept');
    keep('invitee refresh token', accepted.body.refreshToken, 'accept');

    // Everything that reads the account back.
    const me = await get('me', '/users/me', mine);
    for (const [label, url, tok] of [
      ['sessions', '/sessions', mine],
      ['devices', '/devices', mine],
      ['mfa status', '/auth/mfa', mine],
      ['consents', '/users/me/consents', mine],
      ['export', '/users/me/export', mine],
      ['user by id', `/users/${me.body.id}`, adminToken],
      ['search', '/users/search', adminToken],
      ['user sessions', `/users/${me.body.id}/sessions`, adminToken],
      ['api keys', '/api-keys', adminToken],
      ['audit', '/audit?pageSize=100', adminToken],
      ['admin export', `/users/${me.body.id}/export`, adminToken],
      ['invitations', '/users/invitations', adminToken],
    ] as const) {
      const res = label === 'search' ? await post(label, url, { query: username }, tok) : await get(label, url, tok);
      expect({ label, status: res.status }).toEqual({ label, status: 200 });
    }
    expect(
      (await call('with the key', { method: 'GET', url: `/api/v2/users/${me.body.id}`, apiKey: apiKey.body.key }))
        .status,
    ).toBe(200);
    expect((await post('logout', '/auth/logout', {}, mine)).status).toBe(204);
  });

  it('V15.3.1 a secret appears in no response but the one that creates it', () => {
    expect(secrets.length).toBeGreaterThan(30);
    for (const secret of secrets) {
      const carriers = responses.filter((r) => r.text.includes(secret.value)).map((r) => r.label);
      expect({ secret: secret.name, carriers }).toEqual({ secret: secret.name, carriers: secret.issuedBy });
    }
  });

  it('V15.3.1 no response carries a password hash or an internal secret column', () => {
    for (const r of responses) {
      expect({ response: r.label, hash: BCRYPT_HASH.test(r.text) }).toEqual({ response: r.label, hash: false });
      expect({ response: r.label, field: INTERNAL_FIELDS.exec(r.text)?.[1] }).toEqual({
        response: r.label,
        field: undefined,
      });
    }
  });

  it('V16.2.5 the trace-level log holds no secret, no hash and no bearer token', () => {
    const log = written.join('');
    expect(log).toContain('/api/v2/auth/mfa/challenge'); // the capture works
    for (const secret of secrets)
      expect({ secret: secret.name, logged: log.includes(secret.value) }).toEqual({
        secret: secret.name,
        logged: false,
      });
    expect(log).not.toMatch(BCRYPT_HASH);
    expect(log).not.toMatch(/Bearer\s+ey/);
    expect(log).not.toMatch(/dmac_[A-Za-z0-9_-]{20,}/);
  });

  it('secrets are never stored in clear', async () => {
    for (const secret of secrets) {
      expect({ secret: secret.name, columns: await findInDatabase(t, secret.value) }).toEqual({
        secret: secret.name,
        columns: [],
      });
    }
  });
});
