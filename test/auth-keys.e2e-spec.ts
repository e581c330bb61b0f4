import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { sign } from 'jsonwebtoken';
import { SigningKeys } from '../src/auth/keys/signing-keys';
import { generateKey } from '../src/auth/keys/signing-key';
import { AppConfig } from '../src/config/app-config';
import { createUser, createTenant } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

const me = (t: TestApp, token: string) => t.request({ method: 'GET', url: '/api/v2/users/me', token });

describe('Asymmetric signing: JWKS and key rotation (JWT_ALGORITHM=EdDSA)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JWT_ALGORITHM: 'EdDSA' });
  });
  afterAll(() => t.close());

  it('publishes the public key at /.well-known/jwks.json, without credentials, and signs with its kid', async () => {
    const jwks = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.status).toBe(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    expect(jwks.body.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg: 'EdDSA', use: 'sig' },
    ]);
    const s = await login(t, 'admin', ADMIN_PASSWORD);
    expect(decodeProtectedHeader(s.accessToken)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: jwks.body.keys[0].kid });
    expect((await me(t, s.accessToken)).status).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v2/.well-known/jwks.json' })).status).toBe(404);
  });

  it('carries the permissions at issue time in `scope` (for services that only verify)', async () => {
    const support = await createUser(t, { userType: 'support' });
    const s = await login(t, support.username, support.password);
    const claims = decodeJwt(s.accessToken);
    expect(claims).toMatchObject({ sub: support.id, tid: support.tenantId, sid: s.sessionId, utp: 'support' });
    expect(String(claims.scope).split(' ')).toContain('users:read');
    expect(String(claims.scope).split(' ')).not.toContain('users:delete');
  });

  it('rotation: tokens of the previous key keep working until they expire; new tokens use the new key', async () => {
    const before = await login(t, 'admin', ADMIN_PASSWORD);
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const newKey = t.app.get(SigningKeys).rotate();

    const jwks = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual([newKey.kid, oldKid]);
    expect((await me(t, before.accessToken)).status).toBe(200);
    const after = await login(t, 'admin', ADMIN_PASSWORD);
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKey.kid);
    expect((await me(t, after.accessToken)).status).toBe(200);

    // A refresh after the rotation signs with the new key.
    const refreshed = await t.request({
      method: 'POST',
      url: '/api/v2/auth/refresh',
      body: { refreshToken: before.refreshToken },
    });
    expect(decodeProtectedHeader(refreshed.body.accessToken).kid).toBe(newKey.kid);
  });

  it('refuses an unknown kid, an HS256 token made with JWT_SECRET, and an expired token of a known key', async () => {
    const s = await login(t, 'admin', ADMIN_PASSWORD);
    const claims = decodeJwt(s.accessToken);
    const foreign = generateKey('EdDSA');
    const unknownKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: foreign.kid })
      .sign(foreign.privateKey!);
    const hs256 = sign(claims, t.app.get(AppConfig).jwtSecret, { algorithm: 'HS256' });
    const current = t.app.get(SigningKeys).current;
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 5 })
      .setProtectedHeader({ alg: 'EdDSA', kid: current.kid })
      .sign(current.privateKey!);
    for (const token of [unknownKid, hs256, expired]) expect((await me(t, token)).status).toBe(401);
  });

  describe('POST /auth/introspect', () => {
    let introspectKey: string;
    const introspect = (token: unknown, apiKey = introspectKey) =>
      t.request({ method: 'POST', url: '/api/v2/auth/introspect', apiKey, body: { token } });

    beforeAll(async () => {
      const admin = await login(t, 'admin', ADMIN_PASSWORD);
      const key = await t.request({
        method: 'POST',
        url: '/api/v2/api-keys',
        token: admin.accessToken,
        body: { name: 'consumer-service', scopes: ['tokens:introspect'] },
      });
      introspectKey = key.body.key;
    });

    it('answers a live token with its subject, session and current permissions', async () => {
      const user = await createUser(t, { userType: 'support' });
      const s = await login(t, user.username, user.password);
      const res = await introspect(s.accessToken);
      expect(res.status).toBe(200);
      const claims = decodeJwt(s.accessToken);
      expect(res.body).toEqual({
        active: true,
        sub: user.id,
        tid: user.tenantId,
        sid: s.sessionId,
        exp: claims.exp,
        iat: claims.iat,
        iss: 'dotmac-user-management',
        aud: 'dotmac-api',
        tokenType: 'Bearer',
        scope: expect.stringContaining('users:read'),
        permissions: expect.arrayContaining(['users:read']),
        username: user.username,
        userType: 'support',
      });
      expect(res.body.scope.split(' ')).toEqual(res.body.permissions);
    });

    it('is revocation-accurate: after logout, suspension or for junk, only { active: false }', async () => {
      const user = await createUser(t);
      const s = await login(t, user.username, user.password);
      expect((await introspect(s.accessToken)).body.active).toBe(true);
      await t.request({ method: 'POST', url: '/api/v2/auth/logout', token: s.accessToken });
      expect((await introspect(s.accessToken)).body).toEqual({ active: false });

      const other = await createUser(t);
      const s2 = await login(t, other.username, other.password);
      const admin = await login(t, 'admin', ADMIN_PASSWORD);
      await t.request({ method: 'POST', url: `/api/v2/users/${other.id}/suspend`, token: admin.accessToken });
      expect((await introspect(s2.accessToken)).body).toEqual({ active: false });

      for (const junk of ['garbage', s.refreshToken, `${s2.accessToken.slice(0, -2)}xx`]) {
        expect((await introspect(junk)).body).toEqual({ active: false });
      }
    });

    it('a tenant-bound key sees only its own tenant’s tokens', async () => {
      await createTenant(t, 'introspect-b');
      const tenantAdmin = await createUser(t, { userType: 'tenant_admin', tenant: 'introspect-b' });
      const adminSession = await login(t, tenantAdmin.username, tenantAdmin.password, 'introspect-b');
      const key = await t.request({
        method: 'POST',
        url: '/api/v2/api-keys',
        token: adminSession.accessToken,
        body: { name: 'b-service', scopes: ['tokens:introspect'] },
      });
      expect(key.status).toBe(201);
      const own = await createUser(t, { tenant: 'introspect-b' });
      const ownToken = (await login(t, own.username, own.password, 'introspect-b')).accessToken;
      const foreign = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
      expect((await introspect(ownToken, key.body.key)).body.active).toBe(true);
      expect((await introspect(foreign, key.body.key)).body).toEqual({ active: false });
      // The default tenant's super admin key sees every tenant.
      expect((await introspect(ownToken)).body.active).toBe(true);
    });

    it('needs an API key with tokens:introspect: 401 without, 403 with a bearer token or another scope', async () => {
      const s = await login(t, 'admin', ADMIN_PASSWORD);
      const none = await t.request({ method: 'POST', url: '/api/v2/auth/introspect', body: { token: s.accessToken } });
      expect(none.status).toBe(401);
      const bearer = await t.request({
        method: 'POST',
        url: '/api/v2/auth/introspect',
        token: s.accessToken,
        body: { token: s.accessToken },
      });
      expect(bearer.status).toBe(403);
      const readKey = await t.request({
        method: 'POST',
        url: '/api/v2/api-keys',
        token: s.accessToken,
        body: { name: 'reader', scopes: ['users:read'] },
      });
      expect((await introspect(s.accessToken, readKey.body.key)).status).toBe(403);
      expect((await introspect(42)).status).toBe(400);
      const extra = await t.request({
        method: 'POST',
        url: '/api/v2/auth/introspect',
        apiKey: introspectKey,
        body: { token: s.accessToken, hint: 'x' },
      });
      expect(extra.status).toBe(400);
    });
  });
});

describe('ES256', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JWT_ALGORITHM: 'ES256' });
  });
  afterAll(() => t.close());

  it('signs access tokens with a P-256 key published in the JWKS', async () => {
    const jwks = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.body.keys).toEqual([
      expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', y: expect.any(String) }),
    ]);
    const s = await login(t, 'admin', ADMIN_PASSWORD);
    expect(decodeProtectedHeader(s.accessToken)).toMatchObject({ alg: 'ES256', kid: jwks.body.keys[0].kid });
    expect((await me(t, s.accessToken)).status).toBe(200);
  });
});

describe('HS256 (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('publishes an empty JWKS: the secret is never published', async () => {
    const jwks = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.status).toBe(200);
    expect(jwks.body).toEqual({ keys: [] });
  });
});
