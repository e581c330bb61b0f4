import { randomBytes } from 'node:crypto';
import { createUser } from '../support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from '../support/test-app';
import { Method, apiRoutes, fill, key, oneOf, validBody, writeRoutes } from './support';

interface TenantRecords {
  slug: string;
  tenantId: string;
  adminId: string;
  adminToken: string;
  customerId: string;
  customerToken: string;
  resellerId: string;
  resellerToken: string;
  sessionId: string;
  deviceId: string;
  roleId: string;
  keyId: string;
  invitationId: string;
}

const hasBody = (route: { method: string; path: string }) => writeRoutes.some((w) => key(w) === key(route));
const idRoutes = apiRoutes.filter((r) => r.path.includes(':id'));

/** Which kind of record a route's `:id` names. */
function recordOf(path: string): keyof TenantRecords {
  if (path.startsWith('/api/v2/api-keys/')) return 'keyId';
  if (path.startsWith('/api/v2/devices/')) return 'deviceId';
  if (path.startsWith('/api/v2/roles/')) return 'roleId';
  if (path.startsWith('/api/v2/sessions/')) return 'sessionId';
  if (path.startsWith('/api/v2/tenants/')) return 'tenantId';
  if (path.startsWith('/api/v2/users/invitations/')) return 'invitationId';
  if (path.startsWith('/api/v2/users/')) return 'customerId';
  throw new Error(`which record does ${path} name? Add it to recordOf() in ${__filename}`);
}

/**
 * OWASP ASVS 5.0 V8 (authorization): every route that takes an id, tried across tenants and across users;
 * every permission-guarded route tried by a customer; privilege escalation by user type, roles and key
 * scopes; and API keys against the account-security routes.
 */
describe('Security: access control (ASVS V8)', () => {
  let t: TestApp;
  let superAdmin: string;
  let a: TenantRecords;
  let b: TenantRecords;

  beforeAll(async () => {
    t = await startTestApp({ REQUIRE_MFA_FOR_ADMIN: 'false' });
    superAdmin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
    const setup = async (slug: string): Promise<TenantRecords> => {
      const tenant = await t.request({
        method: 'POST',
        url: '/api/v2/tenants',
        token: superAdmin,
        body: { name: slug, slug },
      });
      const admin = await createUser(t, { userType: 'tenant_admin', tenant: slug });
      const customer = await createUser(t, { userType: 'customer', tenant: slug });
      const reseller = await createUser(t, { userType: 'reseller', tenant: slug });
      const adminToken = (await login(t, admin.username, admin.password, slug)).accessToken;
      const customerSession = await login(t, customer.username, customer.password, slug);
      const resellerSession = await login(t, reseller.username, reseller.password, slug);
      const role = await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: adminToken,
        body: { name: 'desk', permissions: ['users:read'] },
      });
      const apiKey = await t.request({
        method: 'POST',
        url: '/api/v2/api-keys',
        token: resellerSession.accessToken,
        body: { name: 'k', scopes: ['users:read'] },
      });
      const invitation = await t.request({
        method: 'POST',
        url: '/api/v2/users/invitations',
        token: adminToken,
        body: { email: `invitee@${slug}.test`, userType: 'customer' },
      });
      // A trusted device of the reseller (the MFA flow that creates one has its own tests).
      const [device] = await t.db.query(
        `INSERT INTO trusted_devices (tenant_id, user_id, token_hash, expires_at)
         VALUES ($1, $2, $3, now() + interval '1 day') RETURNING id`,
        [tenant.body.id, reseller.id, randomBytes(32).toString('hex')],
      );
      for (const res of [tenant, role, apiKey, invitation]) expect(res.status).toBe(201);
      return {
        slug,
        tenantId: tenant.body.id,
        adminId: admin.id,
        adminToken,
        customerId: customer.id,
        customerToken: customerSession.accessToken,
        resellerId: reseller.id,
        resellerToken: resellerSession.accessToken,
        sessionId: resellerSession.sessionId,
        deviceId: device.id,
        roleId: role.body.id,
        keyId: apiKey.body.id,
        invitationId: invitation.body.id,
      };
    };
    a = await setup('acl-a');
    b = await setup('acl-b');
  });
  afterAll(() => t.close());

  /** Everything of a tenant that an attempt from outside could change. */
  const stateOf = async (tenantId: string) => ({
    tenant: await t.db.query(`SELECT name, status, settings, updated_at FROM tenants WHERE id = $1`, [tenantId]),
    users: await t.db.query(
      `SELECT id, status, user_type, first_name, updated_at, deleted_at, erased_at FROM users_v2 WHERE tenant_id = $1 ORDER BY id`,
      [tenantId],
    ),
    roles: await t.db.query(
      `SELECT r.id, r.name, r.updated_at, array(SELECT permission FROM role_permissions p WHERE p.role_id = r.id ORDER BY 1) AS permissions
         FROM roles r WHERE tenant_id = $1 ORDER BY id`,
      [tenantId],
    ),
    grants: await t.db.query(`SELECT user_id, role_id FROM user_roles WHERE tenant_id = $1 ORDER BY 1, 2`, [tenantId]),
    keys: await t.db.query(`SELECT id, revoked_at FROM user_api_keys_v2 WHERE tenant_id = $1 ORDER BY id`, [tenantId]),
    sessions: await t.db.query(`SELECT id, revoked_at FROM user_sessions_v2 WHERE tenant_id = $1 ORDER BY id`, [
      tenantId,
    ]),
    devices: await t.db.query(`SELECT id, revoked_at FROM trusted_devices WHERE tenant_id = $1 ORDER BY id`, [
      tenantId,
    ]),
    invitations: await t.db.query(
      `SELECT id, revoked_at, accepted_at FROM invitations WHERE tenant_id = $1 ORDER BY id`,
      [tenantId],
    ),
    mfa: await t.db.query(`SELECT user_id, method, enabled FROM user_mfa_v2 WHERE tenant_id = $1 ORDER BY 1, 2`, [
      tenantId,
    ]),
  });

  const call = (
    route: { method: Method; path: string },
    o: { records: TenantRecords; token?: string; apiKey?: string; headers?: Record<string, string> },
  ) =>
    t.request({
      method: route.method,
      url: fill(route.path, route.path.includes(':id') ? { id: o.records[recordOf(route.path)] } : { method: 'totp' }),
      token: o.token,
      apiKey: o.apiKey,
      headers: o.headers,
      body: hasBody(route) ? validBody(route, { userId: o.records.customerId }) : undefined,
    });

  it('knows the record kind of every route that takes an id', () => {
    expect(idRoutes.length).toBeGreaterThan(20);
    for (const route of idRoutes) expect(() => recordOf(route.path)).not.toThrow();
  });

  it.each(idRoutes.map((r) => [key(r), r] as const))(
    'V8.4.1 / V8.2.2 tenant IDOR: %s with another tenant’s id answers 404 (tenants: 403) and changes nothing there',
    async (_name, route) => {
      const before = await stateOf(b.tenantId);
      const res = await call(route, { records: b, token: a.adminToken });
      expect(res.status).toBe(recordOf(route.path) === 'tenantId' ? 403 : 404);
      expect(await stateOf(b.tenantId)).toEqual(before);
    },
  );

  const ownRecordRoutes = idRoutes.filter((r) => r.access === 'authenticated');
  it.each(ownRecordRoutes.map((r) => [key(r), r] as const))(
    'V8.2.2 user IDOR: %s with another user’s record of the same tenant answers 404 and changes nothing',
    async (_name, route) => {
      const before = await stateOf(a.tenantId);
      const res = await call(route, { records: a, token: a.customerToken });
      expect(res.status).toBe(404);
      expect(await stateOf(a.tenantId)).toEqual(before);
    },
  );

  const authenticated = apiRoutes.filter((r) => r.access !== 'public');
  it('V8.4.1 an X-Tenant-ID naming another tenant is 403 on every authenticated route, and changes nothing', async () => {
    const before = [await stateOf(a.tenantId), await stateOf(b.tenantId)];
    for (const route of authenticated) {
      const res = await call(route, { records: a, token: a.adminToken, headers: { 'x-tenant-id': b.slug } });
      expect({ route: key(route), status: res.status }).toEqual({ route: key(route), status: 403 });
    }
    expect([await stateOf(a.tenantId), await stateOf(b.tenantId)]).toEqual(before);
  });

  const guarded = apiRoutes.filter((r) => Array.isArray(r.access));
  it('V8.2.1 function level: a customer gets 403 on every permission-guarded route, and changes nothing', async () => {
    const before = await stateOf(a.tenantId);
    for (const route of guarded) {
      const res = await call(route, { records: a, token: a.customerToken });
      expect({ route: key(route), status: res.status }).toEqual({ route: key(route), status: 403 });
    }
    expect(await stateOf(a.tenantId)).toEqual(before);
  });

  describe('V8.2.1 privilege escalation', () => {
    const as = (token: string, method: Method, url: string, body?: object) =>
      t.request({ method, url: `/api/v2${url}`, token, body });
    const newUser = (userType: string) => {
      const name = `esc${randomBytes(4).toString('hex')}`;
      return { username: name, email: `${name}@example.test`, userType, password: 'Tulip-Harbor-42-Xq!' };
    };

    it('a tenant admin cannot make platform users, nor grant what it does not hold', async () => {
      const before = await stateOf(a.tenantId);
      const attempts = [
        as(a.adminToken, 'POST', '/users', newUser('super_admin')),
        as(a.adminToken, 'POST', '/users', newUser('platform_admin')),
        as(a.adminToken, 'POST', '/users/invitations', { email: 'boss@example.test', userType: 'super_admin' }),
        as(a.adminToken, 'PUT', `/users/${a.customerId}`, { userType: 'platform_admin' }),
        as(a.adminToken, 'POST', `/users/${a.customerId}/roles`, { roles: ['super_admin'] }),
        as(a.adminToken, 'POST', `/users/${a.adminId}/roles`, { roles: ['desk'] }),
        as(a.adminToken, 'POST', '/roles', { name: 'tenants', permissions: ['tenants:manage'] }),
        as(a.adminToken, 'POST', '/api-keys', { name: 'k', scopes: ['tenants:manage'] }),
        as(a.adminToken, 'PUT', `/tenants/${a.tenantId}`, { settings: { requireMfa: false } }),
      ];
      const answers = await Promise.all(attempts);
      expect(answers.map((r) => r.status)).toEqual(Array(attempts.length).fill(403));
      // Its own type: refused as bad input or as forbidden.
      expect((await as(a.adminToken, 'PUT', `/users/${a.adminId}`, { userType: 'super_admin' })).status).toEqual(
        oneOf(400, 403),
      );
      expect(await stateOf(a.tenantId)).toEqual(before);
    });

    it('a tenant admin cannot hand out the super_admin role by account creation, invitation or bulk operation', async () => {
      const before = await stateOf(a.tenantId);
      const answers = [
        await as(a.adminToken, 'POST', '/users', { ...newUser('customer'), roles: ['super_admin'] }),
        await as(a.adminToken, 'POST', '/users/invitations', {
          email: 'boss2@example.test',
          userType: 'customer',
          roles: ['super_admin'],
        }),
      ];
      const bulk = await as(a.adminToken, 'POST', '/users/bulk-operation', {
        operation: 'assign_role',
        role: 'super_admin',
        userIds: [a.customerId],
      });
      // The bulk request is refused as a whole: the role itself is beyond what the caller may grant.
      expect([...answers, bulk].map((r) => r.status)).toEqual([403, 403, 403]);
      expect(await stateOf(a.tenantId)).toEqual(before);
    });

    it('a reseller cannot create or invite an account holding roles beyond its own permissions', async () => {
      const before = await stateOf(a.tenantId);
      const answers = [
        await as(a.resellerToken, 'POST', '/users', { ...newUser('customer'), roles: ['tenant_admin'] }),
        await as(a.resellerToken, 'POST', '/users/invitations', {
          email: 'r2@example.test',
          userType: 'customer',
          roles: ['tenant_admin'],
        }),
      ];
      expect(answers.map((r) => r.status)).toEqual([403, 403]);
      expect(await stateOf(a.tenantId)).toEqual(before);
    });

    it('a reseller cannot make a tenant admin, and its API key cannot exceed the key’s scopes', async () => {
      const before = await stateOf(a.tenantId);
      expect((await as(a.resellerToken, 'POST', '/users', newUser('tenant_admin'))).status).toBe(403);
      expect((await as(a.resellerToken, 'POST', '/api-keys', { name: 'k', scopes: ['roles:manage'] })).status).toBe(
        403,
      );
      const created = await as(a.resellerToken, 'POST', '/api-keys', { name: 'narrow', scopes: ['users:read'] });
      expect(created.status).toBe(201);
      const withKey = (method: Method, url: string, body?: object) =>
        t.request({ method, url: `/api/v2${url}`, apiKey: created.body.key, body });
      expect((await withKey('GET', `/users/${a.customerId}`)).status).toBe(200);
      expect((await withKey('POST', '/users', newUser('customer'))).status).toBe(403);
      expect((await withKey('POST', `/users/${a.customerId}/suspend`, {})).status).toBe(403);
      const after = await stateOf(a.tenantId);
      expect({ ...after, keys: before.keys }).toEqual(before);
    });
  });

  describe('V8.2.1 API keys cannot reach account-security routes', () => {
    const keyless = apiRoutes.filter((r) => r.apiKeys === false);

    it.each(keyless.map((r) => [key(r), r] as const))(
      '%s answers a key holding every scope 403',
      async (_name, route) => {
        const permissions = await t.request({ method: 'GET', url: '/api/v2/permissions', token: superAdmin });
        const created = await t.request({
          method: 'POST',
          url: '/api/v2/api-keys',
          token: superAdmin,
          body: { name: 'all', scopes: permissions.body.items.map((p: { name: string }) => p.name) },
        });
        expect(created.status).toBe(201);
        const records = { ...a, customerId: a.customerId };
        const before = await stateOf(a.tenantId);
        const res = await call(route, { records, apiKey: created.body.key, headers: { 'x-tenant-id': a.slug } });
        expect(res.status).toBe(403);
        expect(await stateOf(a.tenantId)).toEqual(before);
      },
    );
  });
});
