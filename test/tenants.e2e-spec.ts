import { ApiKeyAuthenticator } from '../src/api-keys/api-key.authenticator';
import { TenantPolicyService } from '../src/tenants/tenant-policy.service';
import { createTenant, createUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

describe('Tenants', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
  });
  afterAll(() => t.close());

  const create = (body: object, token = admin) => t.request({ method: 'POST', url: '/api/v2/tenants', token, body });

  it('POST → 201 with its settings, and the tenant gets its built-in roles', async () => {
    const res = await create({
      name: 'Acme Networks',
      slug: 'acme',
      settings: {
        passwordPolicy: { preset: 'nist', minLength: 12 },
        requireMfa: true,
        allowedUserTypes: ['tenant_admin', 'customer'],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      slug: 'acme',
      name: 'Acme Networks',
      status: 'active',
      settings: {
        passwordPolicy: { preset: 'nist', minLength: 12 },
        requireMfa: true,
        allowedUserTypes: ['tenant_admin', 'customer'],
      },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const roles = await t.db.query(`SELECT name FROM roles WHERE tenant_id = $1 AND built_in ORDER BY name`, [
      res.body.id,
    ]);
    expect(roles.map((r: { name: string }) => r.name)).toEqual([
      'customer',
      'platform_admin',
      'reseller',
      'super_admin',
      'support',
      'technician',
      'tenant_admin',
    ]);
    const [audit] = await t.db.query(
      `SELECT tenant_id, actor_id FROM audit_log WHERE action = 'tenant.created' AND target_id = $1`,
      [res.body.id],
    );
    expect(audit.tenant_id).toBe(res.body.id);
    expect(audit.actor_id).toEqual(expect.any(String));
  });

  it('a tenant created through the API can be used at once: users sign in to it by slug', async () => {
    const res = await create({ name: 'Fresh', slug: 'fresh' });
    const user = await createUser(t, { tenant: 'fresh' });
    const session = await login(t, user.username, user.password, 'fresh');
    expect(session.user.tenantId).toBe(res.body.id);
  });

  it.each([
    [{ name: 'X', slug: 'Bad Slug' }, /slug/],
    [{ name: 'X', slug: '-x' }, /slug/],
    [{ name: '', slug: 'ok-slug' }, /name/],
    [{ name: 'X', slug: 'ok-slug', settings: { passwordPolicy: { preset: 'fancy' } } }, /preset/],
    [{ name: 'X', slug: 'ok-slug', settings: { passwordPolicy: { minLength: 4 } } }, /minLength/],
    [{ name: 'X', slug: 'ok-slug', settings: { passwordPolicy: { maxFailedAttempts: 'five' } } }, /maxFailedAttempts/],
    [{ name: 'X', slug: 'ok-slug', settings: { passwordPolicy: { colour: 'red' } } }, /colour/],
    [{ name: 'X', slug: 'ok-slug', settings: { allowedUserTypes: ['wizard'] } }, /allowedUserTypes/],
    [{ name: 'X', slug: 'ok-slug', settings: { allowedUserTypes: [] } }, /allowedUserTypes/],
    [{ name: 'X', slug: 'ok-slug', settings: { sessionTimeoutMinutes: 0 } }, /sessionTimeoutMinutes/],
    [{ name: 'X', slug: 'ok-slug', settings: { requireMfa: 'yes' } }, /requireMfa/],
    [{ name: 'X', slug: 'ok-slug', settings: { theme: 'dark' } }, /theme/],
    [{ name: 'X', slug: 'ok-slug', settings: 'nope' }, /settings/],
  ])('400 for %j', async (body, message) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toMatch(message);
  });

  it.each([
    { name: null },
    { status: null },
    { status: 'closed' },
    { settings: null },
    { settings: { passwordPolicy: { minLength: null } } },
  ])('PUT 400 for %j, and the tenant stays as it was', async (body) => {
    const before = await t.request({ method: 'GET', url: '/api/v2/tenants/default', token: admin });
    const res = await t.request({ method: 'PUT', url: '/api/v2/tenants/default', token: admin, body });
    expect(res.status).toBe(400);
    expect((await t.request({ method: 'GET', url: '/api/v2/tenants/default', token: admin })).body).toEqual(
      before.body,
    );
  });

  it('409 for a slug that is taken', async () => {
    expect((await create({ name: 'One', slug: 'twice' })).status).toBe(201);
    expect((await create({ name: 'Two', slug: 'twice' })).status).toBe(409);
  });

  it('GET lists tenants by slug with paging, and reads one by id or slug', async () => {
    await create({ name: 'Zeta', slug: 'zeta' });
    const page = await t.request({ method: 'GET', url: '/api/v2/tenants?pageSize=2&page=1', token: admin });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ page: 1, pageSize: 2, total: expect.any(Number) });
    expect(page.body.items).toHaveLength(2);
    const all = await t.request({ method: 'GET', url: '/api/v2/tenants?pageSize=100', token: admin });
    const slugs = all.body.items.map((x: { slug: string }) => x.slug);
    expect(slugs).toEqual([...slugs].sort());
    expect(slugs).toEqual(expect.arrayContaining(['default', 'zeta']));
    const byId = await t.request({ method: 'GET', url: `/api/v2/tenants/${all.body.items[0].id}`, token: admin });
    const bySlug = await t.request({ method: 'GET', url: `/api/v2/tenants/${all.body.items[0].slug}`, token: admin });
    expect(byId.body).toEqual(all.body.items[0]);
    expect(bySlug.body).toEqual(all.body.items[0]);
    expect((await t.request({ method: 'GET', url: '/api/v2/tenants/no-such-tenant', token: admin })).status).toBe(404);
    expect((await t.request({ method: 'GET', url: '/api/v2/tenants?pageSize=101', token: admin })).status).toBe(400);
  });

  it('PUT renames and replaces settings; the policy service sees the change at once', async () => {
    const tenant = await create({ name: 'Policy', slug: 'policy', settings: { passwordPolicy: { preset: 'nist' } } });
    const policies = t.app.get(TenantPolicyService);
    expect((await policies.policyFor(tenant.body.id)).password).toMatchObject({ preset: 'nist', maxAgeDays: 0 });
    const res = await t.request({
      method: 'PUT',
      url: `/api/v2/tenants/${tenant.body.id}`,
      token: admin,
      body: {
        name: 'Policy Co',
        settings: { passwordPolicy: { preset: 'classic', minLength: 14 }, sessionTimeoutMinutes: 60 },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Policy Co',
      slug: 'policy',
      settings: { passwordPolicy: { preset: 'classic', minLength: 14 }, sessionTimeoutMinutes: 60 },
    });
    const policy = await policies.policyFor(tenant.body.id);
    expect(policy.password).toMatchObject({ preset: 'classic', minLength: 14, maxAgeDays: 90 });
    expect(policy.sessionTimeoutMinutes).toBe(60);
    const [audit] = await t.db.query(
      `SELECT metadata FROM audit_log WHERE action = 'tenant.updated' AND target_id = $1`,
      [tenant.body.id],
    );
    expect(audit.metadata).toEqual({ fields: ['name', 'settings'] });
    const slug = await t.request({
      method: 'PUT',
      url: `/api/v2/tenants/${tenant.body.id}`,
      token: admin,
      body: { slug: 'other' },
    });
    expect(slug.status).toBe(400);
  });

  it('suspending a tenant: its users cannot sign in, their sessions and API keys stop at once; reactivating lets them in again', async () => {
    const tenant = await create({ name: 'Doomed', slug: 'doomed' });
    const user = await createUser(t, { tenant: 'doomed', userType: 'reseller' });
    const session = await login(t, user.username, user.password, 'doomed');
    const key = await t.request({
      method: 'POST',
      url: '/api/v2/api-keys',
      token: session.accessToken,
      body: { name: 'k', scopes: ['users:read'] },
    });
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key })).status).toBe(200);

    const suspended = await t.request({
      method: 'PUT',
      url: '/api/v2/tenants/doomed',
      token: admin,
      body: { status: 'suspended' },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('suspended');
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: session.accessToken })).status).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key })).status).toBe(401);
    const refused = await t.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      body: { username: user.username, password: user.password },
      headers: { 'x-tenant-id': 'doomed' },
    });
    expect(refused.status).toBe(401);
    const [audit] = await t.db.query(
      `SELECT metadata FROM audit_log WHERE action = 'tenant.suspended' AND tenant_id = $1`,
      [tenant.body.id],
    );
    expect(audit.metadata).toEqual({ sessionsRevoked: 1 });

    const active = await t.request({
      method: 'PUT',
      url: '/api/v2/tenants/doomed',
      token: admin,
      body: { status: 'active' },
    });
    expect(active.body.status).toBe('active');
    // Sessions ended by the suspension stay ended; the key (never revoked) works again.
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: session.accessToken })).status).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key })).status).toBe(200);
    await login(t, user.username, user.password, 'doomed');
  });

  it('a cached API key of a suspended tenant is refused from the first request after the suspension', async () => {
    await create({ name: 'Cached', slug: 'cached' });
    const user = await createUser(t, { tenant: 'cached', userType: 'reseller' });
    const session = await login(t, user.username, user.password, 'cached');
    const key = await t.request({
      method: 'POST',
      url: '/api/v2/api-keys',
      token: session.accessToken,
      body: { name: 'k', scopes: ['users:read'] },
    });
    const authenticator = t.app.get(ApiKeyAuthenticator);
    const request = { headers: { 'x-api-key': key.body.key } } as never;
    await authenticator.authenticate(request); // now cached
    await t.request({ method: 'PUT', url: '/api/v2/tenants/cached', token: admin, body: { status: 'suspended' } });
    await expect(authenticator.authenticate(request)).rejects.toMatchObject({ status: 401 });
  });

  it('nobody suspends their own tenant (422)', async () => {
    const res = await t.request({
      method: 'PUT',
      url: '/api/v2/tenants/default',
      token: admin,
      body: { status: 'suspended' },
    });
    expect(res.status).toBe(422);
    expect((await t.request({ method: 'GET', url: '/api/v2/tenants/default', token: admin })).body.status).toBe(
      'active',
    );
  });

  it('platform admins manage tenants; a tenant admin never does, even holding tenants:manage through a role', async () => {
    const platformAdmin = await createUser(t, { userType: 'platform_admin' });
    const pa = await login(t, platformAdmin.username, platformAdmin.password);
    expect((await create({ name: 'By PA', slug: 'by-pa' }, pa.accessToken)).status).toBe(201);

    await createTenant(t, 'ta-home');
    const tenantAdmin = await createUser(t, { userType: 'tenant_admin', tenant: 'ta-home' });
    await t.request({
      method: 'POST',
      url: '/api/v2/roles',
      token: admin,
      body: { name: 'tenant-manager', permissions: ['tenants:manage'] },
      headers: { 'x-tenant-id': 'ta-home' },
    });
    const grant = await t.request({
      method: 'POST',
      url: `/api/v2/users/${tenantAdmin.id}/roles`,
      token: admin,
      body: { roles: ['tenant-manager'] },
      headers: { 'x-tenant-id': 'ta-home' },
    });
    expect(grant.status).toBe(200);
    expect(grant.body.permissions).not.toContain('tenants:manage');
    const ta = await login(t, tenantAdmin.username, tenantAdmin.password, 'ta-home');
    expect((await t.request({ method: 'GET', url: '/api/v2/tenants', token: ta.accessToken })).status).toBe(403);
    expect((await create({ name: 'Nope', slug: 'nope' }, ta.accessToken)).status).toBe(403);
    expect(
      (
        await t.request({
          method: 'PUT',
          url: '/api/v2/tenants/ta-home',
          token: ta.accessToken,
          body: { status: 'suspended' },
        })
      ).status,
    ).toBe(403);
  });
});
