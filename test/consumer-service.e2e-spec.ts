import { createUserManagementClient } from '@dotmac/user-management-client';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT, decodeJwt } from 'jose';
import { sign } from 'jsonwebtoken';
import type { AddressInfo } from 'node:net';
import { createConsumerApp } from '../examples/consumer-service/src/main';
import { SigningKeys } from '../src/auth/keys/signing-keys';
import { generateKey } from '../src/auth/keys/signing-key';
import { AppConfig } from '../src/config/app-config';
import { createUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, startTestApp } from './support/test-app';

/**
 * The real service listening on a port (EdDSA), and the example consumer service using
 * @dotmac/user-management-client against it over HTTP: JWKS verification, permissions, introspection.
 */
describe('A Nest service using @dotmac/user-management-client', () => {
  let t: TestApp;
  let serviceUrl: string;
  const consumers: NestFastifyApplication[] = [];

  async function consumer(settings: { introspectionApiKey?: string; jwksCooldownMs?: number } = {}): Promise<string> {
    const app = await createConsumerApp({ serviceUrl, ...settings });
    await app.listen(0, '127.0.0.1');
    consumers.push(app);
    return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  }

  const call = async (base: string, path: string, token?: string) => {
    const res = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  /** Signs in through the service's API with the generated typed client. */
  async function signIn(username: string, password: string) {
    const api = createUserManagementClient({ baseUrl: serviceUrl });
    const { data, response } = await api.POST('/api/v2/auth/login', { body: { username, password } });
    if (!data || !('accessToken' in data)) throw new Error(`login failed: ${response.status}`);
    return data;
  }

  let introspectionKey: string;
  let plain: string;
  let introspecting: string;

  beforeAll(async () => {
    t = await startTestApp({ JWT_ALGORITHM: 'EdDSA' });
    await t.app.listen(0, '127.0.0.1');
    serviceUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const admin = await signIn('admin', ADMIN_PASSWORD);
    const key = await createUserManagementClient({ baseUrl: serviceUrl, accessToken: admin.accessToken }).POST(
      '/api/v2/api-keys',
      { body: { name: 'consumer-service', scopes: ['tokens:introspect'] } },
    );
    introspectionKey = key.data!.key;
    plain = await consumer();
    introspecting = await consumer({ introspectionApiKey: introspectionKey });
  });
  afterAll(async () => {
    for (const app of consumers) await app.close();
    await t.close();
  });

  it('a token from a real login reaches the consumer (200) with the caller and the permissions', async () => {
    const user = await createUser(t, { userType: 'support' });
    const s = await signIn(user.username, user.password);
    for (const base of [plain, introspecting]) {
      const me = await call(base, '/whoami', s.accessToken);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({
        userId: user.id,
        tenantId: user.tenantId,
        sessionId: s.sessionId,
        userType: 'support',
      });
      expect(me.body.permissions).toEqual(expect.arrayContaining(['users:read', 'audit:read']));
      expect((await call(base, '/tickets', s.accessToken)).status).toBe(200);
    }
    // Only introspection knows the username; the token carries ids only.
    expect((await call(introspecting, '/whoami', s.accessToken)).body.username).toBe(user.username);
    expect((await call(plain, '/whoami', s.accessToken)).body.username).toBeNull();
    // The consumer calls the service on the caller's behalf with the typed client.
    expect(await call(plain, '/profile', s.accessToken)).toEqual({
      status: 200,
      body: { username: user.username, email: user.email },
    });
  });

  it('public routes need no token; others answer 401 without one', async () => {
    expect((await call(plain, '/status')).status).toBe(200);
    expect((await call(plain, '/whoami')).status).toBe(401);
  });

  it('a tampered, foreign, HS256 or mfa-typed token is refused (401)', async () => {
    const s = await signIn('admin', ADMIN_PASSWORD);
    const [h, , sig] = s.accessToken.split('.');
    const claims = decodeJwt(s.accessToken);
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, utp: 'super_admin', sub: 'x' })).toString('base64url')}.${sig}`;
    const foreignKey = generateKey('EdDSA');
    const foreign = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: foreignKey.kid })
      .sign(foreignKey.privateKey!);
    const hs256 = sign(claims, t.app.get(AppConfig).jwtSecret);
    const current = t.app.get(SigningKeys).current;
    const mfaTyped = await new SignJWT({ ...claims, typ: 'mfa' })
      .setProtectedHeader({ alg: 'EdDSA', kid: current.kid })
      .sign(current.privateKey!);
    for (const token of [tampered, foreign, hs256, mfaTyped, 'garbage']) {
      for (const base of [plain, introspecting]) expect((await call(base, '/whoami', token)).status).toBe(401);
    }
  });

  it('a caller without the permission gets 403', async () => {
    const customer = await createUser(t, { userType: 'customer' });
    const s = await signIn(customer.username, customer.password);
    for (const base of [plain, introspecting]) {
      expect((await call(base, '/whoami', s.accessToken)).status).toBe(200);
      const tickets = await call(base, '/tickets', s.accessToken);
      expect(tickets.status).toBe(403);
      expect(tickets.body.message).toBe('Missing permission: users:read');
    }
  });

  it('after logout, the introspecting consumer refuses the token at once (401); JWKS alone cannot know', async () => {
    const user = await createUser(t, { userType: 'support' });
    const s = await signIn(user.username, user.password);
    expect((await call(introspecting, '/whoami', s.accessToken)).status).toBe(200);
    const logout = await createUserManagementClient({ baseUrl: serviceUrl, accessToken: s.accessToken }).POST(
      '/api/v2/auth/logout',
    );
    expect(logout.response.status).toBe(204);
    expect((await call(introspecting, '/whoami', s.accessToken)).status).toBe(401);
    // The documented trade-off: without introspection a token stays valid until it expires (ACCESS_TOKEN_MINUTES).
    expect((await call(plain, '/whoami', s.accessToken)).status).toBe(200);
  });

  it('key rotation: the JWKS is refetched for an unknown kid, at most once per cooldown', async () => {
    const jwksFetches = async () => {
      const metrics = await (await fetch(`${serviceUrl}/metrics`)).text();
      const line = metrics
        .split('\n')
        .find(
          (l) => l.startsWith('http_request_duration_seconds_count') && l.includes('route="/.well-known/jwks.json"'),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const eager = await consumer({ jwksCooldownMs: 0 });
    const patient = await consumer({ jwksCooldownMs: 3_600_000 });
    const before = await signIn('admin', ADMIN_PASSWORD);
    expect((await call(eager, '/whoami', before.accessToken)).status).toBe(200);
    expect((await call(patient, '/whoami', before.accessToken)).status).toBe(200);

    t.app.get(SigningKeys).rotate();
    const after = await signIn('admin', ADMIN_PASSWORD);
    const fetched = await jwksFetches();
    expect((await call(eager, '/whoami', after.accessToken)).status).toBe(200);
    expect(await jwksFetches()).toBe(fetched + 1);
    // Within its cooldown the other consumer does not refetch, however many unknown kids it sees.
    for (let i = 0; i < 3; i++) expect((await call(patient, '/whoami', after.accessToken)).status).toBe(401);
    expect(await jwksFetches()).toBe(fetched + 1);
    // Tokens of the previous key still verify everywhere.
    expect((await call(patient, '/whoami', before.accessToken)).status).toBe(200);
    expect((await call(eager, '/whoami', before.accessToken)).status).toBe(200);
  });
});
