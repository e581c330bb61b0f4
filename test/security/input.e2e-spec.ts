import { randomUUID } from 'node:crypto';
import { createUser } from '../support/fixtures';
import { ADMIN_PASSWORD, TestApp, TestResponse, login, startTestApp } from '../support/test-app';
import { WriteRoute, apiRoutes, fill, fingerprint, key, oneOf, queryRoutes, validBody, writeRoutes } from './support';

/**
 * OWASP ASVS 5.0 V15.3 (mass assignment, prototype pollution), V1.2.4 (SQL injection) and V2.2.1 / V4
 * (input validation: sizes, nesting, encoding), against every write DTO and every filter the API has.
 */
describe('Security: input handling (ASVS V1, V2, V15)', () => {
  let t: TestApp;
  let admin: string;
  let ids: { userId: string; roleId: string; tenantId: string };

  beforeAll(async () => {
    t = await startTestApp({ REQUIRE_MFA_FOR_ADMIN: 'false' });
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
    const user = await createUser(t);
    const role = await t.request({
      method: 'POST',
      url: '/api/v2/roles',
      token: admin,
      body: { name: 'input-role', permissions: ['users:read'] },
    });
    const [tenant] = await t.db.query(`SELECT id FROM tenants WHERE slug = 'default'`);
    ids = { userId: user.id, roleId: role.body.id, tenantId: tenant.id };
  });
  afterAll(() => t.close());

  const urlOf = (route: { path: string }) =>
    fill(route.path, {
      id: route.path.startsWith('/api/v2/roles')
        ? ids.roleId
        : route.path.startsWith('/api/v2/tenants')
          ? ids.tenantId
          : ids.userId,
      method: 'totp',
    });
  const send = (
    route: { method: WriteRoute['method']; path: string },
    o: { body?: unknown; payload?: string | Buffer; headers?: Record<string, string> },
  ) =>
    t.request({
      method: route.method,
      url: urlOf(route),
      token: admin,
      ...o,
      headers: { ...(o.payload !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
    });
  const messageOf = (res: TestResponse) => JSON.stringify(res.body?.message ?? '');

  it('covers every write DTO of the API', () => {
    expect(writeRoutes.length).toBeGreaterThanOrEqual(30);
    for (const route of writeRoutes) expect(() => validBody(route, { userId: 'x' })).not.toThrow();
  });

  /** Fields that decide access or identity, and what an attacker would send in them. */
  const PRIVILEGED: Record<string, unknown> = {
    userType: 'super_admin',
    status: 'active',
    tenantId: randomUUID(),
    roles: ['super_admin'],
    emailVerified: true,
    passwordHash: '$2b$04$abcdefghijklmnopqrstuuJ4L0f6Ctn6Aoi1bh1lWeDfk8Eah7WWa',
    id: randomUUID(),
    createdAt: '2000-01-01T00:00:00.000Z',
    updatedAt: '2000-01-01T00:00:00.000Z',
    userId: randomUUID(),
    permissions: ['tenants:manage'],
    isAdmin: true,
  };

  it.each(writeRoutes.map((r) => [key(r), r] as const))(
    'V15.3.3 mass assignment: %s refuses every field it does not declare with 400 naming it, and stores nothing',
    async (_name, route) => {
      const before = await fingerprint(t);
      const injected = Object.entries(PRIVILEGED).filter(([field]) => !route.fields.includes(field));
      expect(injected.length).toBeGreaterThan(0);
      for (const [field, value] of injected) {
        const res = await send(route, { body: { ...validBody(route, ids), [field]: value } });
        expect({ field, status: res.status }).toEqual({ field, status: 400 });
        expect(messageOf(res)).toContain(field);
      }
      // Nested objects are held to their own declared fields.
      for (const nested of ['profile', 'contactInfo', 'preferences', 'settings'].filter((f) =>
        route.fields.includes(f),
      )) {
        const res = await send(route, { body: { ...validBody(route, ids), [nested]: { userType: 'super_admin' } } });
        expect({ nested, status: res.status }).toEqual({ nested, status: 400 });
      }
      expect(await fingerprint(t)).toEqual(before);
    },
  );

  describe('V15.3.6 prototype pollution', () => {
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    afterAll(() => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    });

    const poisoned = (body: Record<string, unknown>) => [
      JSON.stringify(body).replace(/^\{/, '{"__proto__":{"polluted":"yes","userType":"super_admin"},'),
      JSON.stringify(body).replace(/^\{/, '{"constructor":{"prototype":{"polluted":"yes"}},'),
      JSON.stringify({ ...body, x: 1 }).replace('"x":1', '"x":{"__proto__":{"polluted":"yes"}}'),
    ];

    it.each(writeRoutes.map((r) => [key(r), r] as const))(
      '%s refuses __proto__ and constructor.prototype keys in the JSON body with 400',
      async (_name, route) => {
        for (const payload of poisoned(validBody(route, ids))) {
          const res = await send(route, { payload });
          expect({ payload, status: res.status }).toEqual({ payload, status: 400 });
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );

    it('even inside free-form preference settings', async () => {
      for (const settings of [
        '{"__proto__":{"polluted":"yes"}}',
        '{"a":{"constructor":{"prototype":{"polluted":"yes"}}}}',
      ]) {
        const res = await t.request({
          method: 'PUT',
          url: '/api/v2/users/me',
          token: admin,
          payload: `{"preferences":{"settings":${settings}}}`,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(400);
      }
    });

    it.each(queryRoutes.map((r) => [key(r), r] as const))(
      '%s refuses or ignores __proto__ and constructor[prototype] in the query string',
      async (_name, route) => {
        for (const query of [
          '__proto__[polluted]=yes',
          '__proto__.polluted=yes',
          '__proto__=yes',
          'constructor[prototype][polluted]=yes',
          'constructor.prototype.polluted=yes',
        ]) {
          const res = await t.request({ method: route.method, url: `${urlOf(route)}?${query}`, token: admin });
          expect({ query, status: res.status }).toEqual({ query, status: oneOf(200, 400) });
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );
  });

  it.each(queryRoutes.map((r) => [key(r), r] as const))(
    'V15.3.7 parameter pollution: %s with every query parameter repeated answers 200 or 400, never 5xx',
    async (_name, route) => {
      for (const param of route.params) {
        const res = await t.request({
          method: route.method,
          url: `${urlOf(route)}?${param}=1&${param}=2`,
          token: admin,
        });
        expect({ param, status: res.status }).toEqual({ param, status: oneOf(200, 400) });
      }
    },
  );

  it('V16.4.1 log injection: a forged X-Request-ID is replaced by a generated one, never echoed', async () => {
    for (const forged of ['abc X-Injected: 1', '{"level":60,"msg":"forged"}', 'x'.repeat(500), '../../etc']) {
      const res = await t.request({
        method: 'GET',
        url: '/api/v2/users/me',
        token: admin,
        headers: { 'x-request-id': forged },
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).not.toBe(forged);
      expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    }
  });

  it('V2.2.1 a URL that cannot be decoded is 400 in the contract’s error body, on every route that takes a parameter', async () => {
    for (const route of apiRoutes.filter((r) => r.path.includes('/:'))) {
      for (const bad of ['%ff', '%ED%A0%80', '%']) {
        const res = await t.request({ method: route.method, url: route.path.replace(/:\w+/, bad), token: admin });
        expect({ route: key(route), bad, status: res.status, body: res.body }).toEqual({
          route: key(route),
          bad,
          status: 400,
          body: {
            statusCode: 400,
            error: 'Bad Request',
            message: expect.any(String),
            requestId: res.headers['x-request-id'],
          },
        });
      }
    }
  });

  describe('V1.2.4 SQL injection', () => {
    const PAYLOADS = [
      "' OR '1'='1",
      "' OR 1=1 --",
      "admin'--",
      "'; DROP TABLE users_v2; --",
      '1; DROP TABLE users_v2',
      "x' UNION SELECT password_hash, null FROM user_passwords_v2 --",
      "') OR ('a'='a",
      '" OR ""="',
      "\\'; SELECT pg_sleep(5); --",
      "1' AND pg_sleep(5) IS NULL --",
      '%',
      'createdAt DESC; DELETE FROM users_v2 --',
      'lower(username)',
      '1 OR 1=1',
    ];
    const slowest: number[] = [];
    afterAll(async () => {
      // A time-based blind injection (pg_sleep) would have held a request for 5 s.
      expect(Math.max(...slowest)).toBeLessThan(4000);
      const [row] = await t.db.query(`SELECT count(*)::int AS n FROM users_v2`);
      expect(row.n).toBeGreaterThan(1);
    });
    const timed = async (request: () => Promise<TestResponse>) => {
      const started = Date.now();
      const res = await request();
      slowest.push(Date.now() - started);
      return res;
    };

    it('in every filter, sort and paging field of the user search: 4xx, or 200 without a single row', async () => {
      const before = await fingerprint(t);
      const fields = writeRoutes.find((r) => key(r) === 'POST /api/v2/users/search')!.fields;
      expect(fields).toEqual(expect.arrayContaining(['query', 'role', 'sortBy', 'sortOrder', 'cursor', 'createdFrom']));
      for (const field of fields) {
        for (const payload of PAYLOADS) {
          const res = await timed(() =>
            t.request({ method: 'POST', url: '/api/v2/users/search', token: admin, body: { [field]: payload } }),
          );
          const outcome = res.status === 200 ? { status: 200, total: res.body.total } : { status: res.status };
          expect({ field, payload, outcome }).toEqual({
            field,
            payload,
            outcome: res.status === 200 ? { status: 200, total: 0 } : { status: oneOf(400, 422) },
          });
        }
      }
      expect(await fingerprint(t)).toEqual(before);
    });

    it.each(queryRoutes.map((r) => [key(r), r] as const))(
      'in every query parameter of %s: 4xx, or 200 without a single row',
      async (_name, route) => {
        for (const param of route.params) {
          for (const payload of PAYLOADS) {
            const res = await timed(() =>
              t.request({
                method: route.method,
                url: `${urlOf(route)}?${param}=${encodeURIComponent(payload)}`,
                token: admin,
              }),
            );
            expect({ param, payload, status: res.status }).toEqual({
              param,
              payload,
              status: res.status === 200 ? 200 : oneOf(400, 404),
            });
            if (res.status === 200)
              expect({ param, payload, items: res.body.items }).toEqual({ param, payload, items: [] });
          }
        }
      },
    );

    it('in sign-in names, reset addresses, tokens and the tenant header: never 5xx', async () => {
      for (const payload of PAYLOADS) {
        const answers = await Promise.all([
          timed(() =>
            t.request({ method: 'POST', url: '/api/v2/auth/login', body: { username: payload, password: payload } }),
          ),
          timed(() =>
            t.request({
              method: 'POST',
              url: '/api/v2/auth/password/forgot',
              body: { email: `${payload}@example.test` },
            }),
          ),
          timed(() => t.request({ method: 'POST', url: '/api/v2/auth/refresh', body: { refreshToken: payload } })),
          timed(() => t.request({ method: 'POST', url: '/api/v2/auth/verify-email', body: { token: payload } })),
          timed(() =>
            t.request({
              method: 'POST',
              url: '/api/v2/auth/login',
              body: { username: 'admin', password: ADMIN_PASSWORD },
              headers: { 'x-tenant-id': payload },
            }),
          ),
          timed(() => t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: `dmac_${payload}` })),
        ]);
        for (const res of answers)
          expect({ payload, status: res.status }).toEqual({ payload, status: oneOf(202, 400, 401, 404) });
      }
    });
  });

  describe('V2.2.1 sizes, nesting and encoding', () => {
    let deep = '1';
    for (let i = 0; i < 10_000; i++) deep = `{"a":${deep}}`;
    const invalidUtf8 = (body: Record<string, unknown>) => {
      const text = JSON.stringify(body);
      const at = text.indexOf('":"') + 3; // inside the first string value
      return Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from(text.slice(at)),
      ]);
    };

    it.each(writeRoutes.map((r) => [key(r), r] as const))(
      '%s: a 2 MiB body is 413; 10,000 levels of nesting, invalid UTF-8 and unpaired surrogates are 400; another media type is 415',
      async (_name, route) => {
        const before = await fingerprint(t);
        const big = { ...validBody(route, ids), filler: 'x'.repeat(2 * 1024 * 1024) };
        expect((await send(route, { body: big })).status).toBe(413);
        const nested = await send(route, { payload: `{"nested":${deep}}` });
        expect(nested.status).toBe(400);
        expect(messageOf(nested)).toContain('nests deeper');
        const encoded = await send(route, { payload: invalidUtf8(validBody(route, ids)) });
        expect(encoded.status).toBe(400);
        expect(messageOf(encoded)).toContain('UTF-8');
        // An escaped unpaired surrogate is no text either (validators used to throw on it: 500).
        const surrogate = await send(route, {
          payload: JSON.stringify(validBody(route, ids)).replace(/([:[]")/, '$1\\ud800'),
        });
        expect(surrogate.status).toBe(400);
        expect(messageOf(surrogate)).toContain('UTF-8');
        const text = await send(route, { payload: '<a>b</a>', headers: { 'content-type': 'application/xml' } });
        expect(text.status).toBe(415);
        expect(await fingerprint(t)).toEqual(before);
      },
    );
  });
});
