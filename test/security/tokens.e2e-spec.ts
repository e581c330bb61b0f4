import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { createUser } from '../support/fixtures';
import { lastToken, messagesTo } from '../support/outbox';
import { ADMIN_PASSWORD, TestApp, Tokens, login, startTestApp } from '../support/test-app';
import { GOOD_PASSWORD, decodeJwt, forgeJwt, me, tamper } from './support';

const JWT_SECRET = 'security-suite-signing-secret-0123456789';

/**
 * OWASP ASVS 5.0, V9 (self-contained tokens) and V7 (session termination): forged, tampered and misused
 * access tokens, and tokens that must stop working when their session ends.
 */
describe('Security: tokens and sessions (ASVS V7, V9)', () => {
  let t: TestApp;
  let admin: Tokens;
  beforeAll(async () => {
    t = await startTestApp({ JWT_SECRET, REQUIRE_MFA_FOR_ADMIN: 'false' });
    admin = await login(t, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  const signedIn = async (userType: 'customer' | 'reseller' = 'customer') => {
    const user = await createUser(t, { userType });
    return { user, session: await login(t, user.username, user.password) };
  };
  const refresh = (refreshToken: string) =>
    t.request({ method: 'POST', url: '/api/v2/auth/refresh', body: { refreshToken } });
  const expect401 = async (token: string) => expect((await me(t, token)).status).toBe(401);

  /** The claims of a real access token, re-signed with the service's own key: the control case. */
  const genuine = async () => {
    const { user, session } = await signedIn();
    const { header, payload } = decodeJwt(session.accessToken);
    return { user, session, header, payload };
  };

  it('control: a token forged with the service’s key and genuine claims is accepted (the forging works)', async () => {
    const { header, payload } = await genuine();
    expect((await me(t, forgeJwt(header, payload, { hmac: 'sha256', secret: JWT_SECRET }))).status).toBe(200);
  });

  it('V9.1.2 alg "none": unsigned tokens are refused, however the algorithm is spelled', async () => {
    const { session, payload } = await genuine();
    const signature = session.accessToken.split('.')[2];
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const unsigned = forgeJwt({ alg, typ: 'JWT' }, payload, 'unsigned');
      await expect401(unsigned);
      await expect401(`${unsigned}${signature}`);
    }
  });

  it('V9.1.2 algorithm confusion: RS256/ES256 headers, an HMAC under a public key, and HS384/HS512 under the real key are refused', async () => {
    const { payload } = await genuine();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' });
    await expect401(
      forgeJwt({ alg: 'RS256', typ: 'JWT' }, payload, (input) => rsaSign('sha256', Buffer.from(input), privateKey)),
    );
    await expect401(forgeJwt({ alg: 'ES256', typ: 'JWT' }, payload, { hmac: 'sha256', secret: JWT_SECRET }));
    await expect401(forgeJwt({ alg: 'HS256', typ: 'JWT' }, payload, { hmac: 'sha256', secret: publicPem }));
    await expect401(forgeJwt({ alg: 'RS256', typ: 'JWT' }, payload, { hmac: 'sha256', secret: publicPem }));
    await expect401(forgeJwt({ alg: 'HS384', typ: 'JWT' }, payload, { hmac: 'sha384', secret: JWT_SECRET }));
    await expect401(forgeJwt({ alg: 'HS512', typ: 'JWT' }, payload, { hmac: 'sha512', secret: JWT_SECRET }));
  });

  it('V9.1.1 a token signed with a foreign key is refused', async () => {
    const { header, payload } = await genuine();
    for (const secret of ['another-secret-of-the-same-length-012345', '', 'secret', JWT_SECRET.slice(0, -1)]) {
      await expect401(forgeJwt(header, payload, { hmac: 'sha256', secret }));
    }
  });

  it('V9.1.1 tampered claims break the signature: another user, tenant, session or a later expiry', async () => {
    const { session } = await genuine();
    const adminClaims = decodeJwt(admin.accessToken).payload;
    await expect401(tamper(session.accessToken, (c) => (c.sub = adminClaims.sub)));
    await expect401(tamper(session.accessToken, (c) => (c.sid = adminClaims.sid)));
    await expect401(tamper(session.accessToken, (c) => (c.tid = '00000000-0000-0000-0000-000000000000')));
    await expect401(tamper(session.accessToken, (c) => (c.exp = Number(c.exp) + 86_400)));
    expect((await me(t, session.accessToken)).status).toBe(200);
  });

  it('V9.1.3 kid, jku, jwk and x5u headers cannot choose the key', async () => {
    const { payload } = await genuine();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const attacker = { hmac: 'sha256' as const, secret: 'attacker-chosen-key' };
    const empty = { hmac: 'sha256' as const, secret: '' };
    for (const kid of [
      '../../../../../../dev/null',
      "x' UNION SELECT 'attacker-chosen-key' --",
      '/proc/self/environ',
      '0',
    ]) {
      await expect401(forgeJwt({ alg: 'HS256', typ: 'JWT', kid }, payload, empty));
      await expect401(forgeJwt({ alg: 'HS256', typ: 'JWT', kid }, payload, attacker));
    }
    await expect401(forgeJwt({ alg: 'HS256', jku: 'https://attacker.example/jwks.json' }, payload, attacker));
    await expect401(forgeJwt({ alg: 'HS256', x5u: 'https://attacker.example/cert.pem' }, payload, attacker));
    await expect401(
      forgeJwt({ alg: 'RS256', jwk }, payload, (input) => rsaSign('sha256', Buffer.from(input), privateKey)),
    );
  });

  it('V9.2.1 expired and not-yet-valid tokens are refused, even under the right key', async () => {
    const { header, payload } = await genuine();
    const now = Math.floor(Date.now() / 1000);
    const key = { hmac: 'sha256' as const, secret: JWT_SECRET };
    await expect401(forgeJwt(header, { ...payload, iat: now - 3600, exp: now - 60 }, key));
    await expect401(forgeJwt(header, { ...payload, nbf: now + 3600 }, key));
  });

  it('V9.2.3 wrong or missing audience or issuer is refused, even under the right key', async () => {
    const { header, payload } = await genuine();
    const key = { hmac: 'sha256' as const, secret: JWT_SECRET };
    const { aud: _aud, iss: _iss, ...bare } = payload;
    await expect401(forgeJwt(header, { ...payload, aud: 'another-service' }, key));
    await expect401(forgeJwt(header, { ...payload, iss: 'https://attacker.example' }, key));
    await expect401(forgeJwt(header, { ...bare, iss: payload.iss }, key));
    await expect401(forgeJwt(header, { ...bare, aud: payload.aud }, key));
    await expect401(forgeJwt(header, { ...payload, aud: 'dotmac-mfa' }, key));
  });

  it('V9.2.2 only access tokens authorize: an mfaToken, an MFA-typed token and a refresh token are refused', async () => {
    const { header, payload, user } = await genuine();
    const key = { hmac: 'sha256' as const, secret: JWT_SECRET };
    await expect401(forgeJwt(header, { ...payload, typ: 'mfa' }, key));
    await expect401(
      forgeJwt(
        header,
        { sub: payload.sub, tid: payload.tid, typ: 'access', aud: payload.aud, iss: payload.iss, exp: payload.exp },
        key,
      ),
    );
    const session = await login(t, user.username, user.password);
    await expect401(session.refreshToken);

    // An mfaToken (after the password, before the second factor) is no access token.
    const mfaUser = await createUser(t);
    const s = await login(t, mfaUser.username, mfaUser.password);
    const setup = await t.request({
      method: 'POST',
      url: '/api/v2/auth/mfa/setup',
      token: s.accessToken,
      body: { method: 'email' },
    });
    expect(setup.status).toBe(200);
    const code = messagesTo(t, mfaUser.email, 'mfa_code').at(-1)!.code!;
    await t.request({
      method: 'POST',
      url: '/api/v2/auth/mfa/verify',
      token: s.accessToken,
      body: { method: 'email', code },
    });
    const step = await t.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      body: { username: mfaUser.username, password: mfaUser.password },
    });
    expect(step.body.mfaToken).toEqual(expect.any(String));
    await expect401(step.body.mfaToken);
  });

  it('V7.4.1 logout ends the session: its access and refresh tokens stop working at once', async () => {
    const { session } = await signedIn();
    expect((await t.request({ method: 'POST', url: '/api/v2/auth/logout', token: session.accessToken })).status).toBe(
      204,
    );
    await expect401(session.accessToken);
    expect((await refresh(session.refreshToken)).status).toBe(401);
  });

  it('V7.4.3 a password change ends the other sessions; a reset ends them all', async () => {
    const { user, session: current } = await signedIn();
    const other = await login(t, user.username, user.password);
    const changed = await t.request({
      method: 'POST',
      url: '/api/v2/auth/password/change',
      token: current.accessToken,
      body: { currentPassword: user.password, newPassword: GOOD_PASSWORD },
    });
    expect(changed.status).toBe(204);
    await expect401(other.accessToken);
    expect((await refresh(other.refreshToken)).status).toBe(401);
    expect((await me(t, current.accessToken)).status).toBe(200);

    await t.request({ method: 'POST', url: '/api/v2/auth/password/forgot', body: { email: user.email } });
    for (let i = 0; i < 50 && messagesTo(t, user.email, 'password_reset').length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const reset = await t.request({
      method: 'POST',
      url: '/api/v2/auth/password/reset',
      body: { token: lastToken(t, user.email, 'password_reset'), newPassword: 'Other-Harbor-43-Xq!' },
    });
    expect(reset.status).toBe(204);
    await expect401(current.accessToken);
    expect((await refresh(current.refreshToken)).status).toBe(401);
  });

  const endings: [string, (id: string) => { method: 'POST' | 'DELETE'; url: string; body?: object }][] = [
    ['suspension', (id) => ({ method: 'POST', url: `/api/v2/users/${id}/suspend`, body: {} })],
    ['deactivation', (id) => ({ method: 'POST', url: `/api/v2/users/${id}/deactivate`, body: {} })],
    ['deletion', (id) => ({ method: 'DELETE', url: `/api/v2/users/${id}` })],
    ['erasure', (id) => ({ method: 'POST', url: `/api/v2/users/${id}/erase` })],
  ];

  it.each(endings)('V7.4.2 %s ends every session of the account at once', async (_name, action) => {
    const { user, session } = await signedIn();
    const second = await login(t, user.username, user.password);
    const res = await t.request({ ...action(user.id), token: admin.accessToken });
    expect(res.status).toBeLessThan(300);
    for (const s of [session, second]) {
      await expect401(s.accessToken);
      expect((await refresh(s.refreshToken)).status).toBe(401);
    }
    const again = await t.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(again.status).toBe(401);
  });

  it.each(endings)('V7.4.2 %s stops the account’s API keys at once', async (_name, action) => {
    const { session } = await signedIn('reseller');
    const created = await t.request({
      method: 'POST',
      url: '/api/v2/api-keys',
      token: session.accessToken,
      body: { name: 'k', scopes: ['users:read'] },
    });
    expect(created.status).toBe(201);
    const withKey = () => t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: created.body.key });
    expect((await withKey()).status).toBe(200);
    const owner = decodeJwt(session.accessToken).payload.sub as string;
    expect((await t.request({ ...action(owner), token: admin.accessToken })).status).toBeLessThan(300);
    expect((await withKey()).status).toBe(401);
  });

  it('V10.4.5 refresh token reuse revokes the whole session; concurrent refreshes yield one pair', async () => {
    const { session } = await signedIn();
    const rotated = await refresh(session.refreshToken);
    expect(rotated.status).toBe(200);
    expect((await refresh(session.refreshToken)).status).toBe(401);
    await expect401(rotated.body.accessToken);
    expect((await refresh(rotated.body.refreshToken)).status).toBe(401);

    const { session: other } = await signedIn();
    const answers = await Promise.all(Array.from({ length: 8 }, () => refresh(other.refreshToken)));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
  });
});
