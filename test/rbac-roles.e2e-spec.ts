import { ALL_PERMISSIONS } from '../src/common/auth/permissions';
import type { UserType } from '../src/common/user-types';
import { createUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

describe('Roles and permissions', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
  });
  afterAll(() => t.close());

  const tokenOf = async (userType: UserType, tenant?: string) => {
    const u = await createUser(t, { userType, tenant });
    return { ...u, token: (await login(t, u.username, u.password, tenant)).accessToken };
  };
  const escalations = async (actorId: string) =>
    t.db.query(
      `SELECT action, actor_id, target_id, success, metadata FROM audit_log
        WHERE action = 'rbac.escalation_denied' AND actor_id = $1 ORDER BY created_at`,
      [actorId],
    );

  describe('GET /permissions', () => {
    it('lists the whole catalogue with descriptions', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v2/permissions', token: admin });
      expect(res.status).toBe(200);
      expect(res.body.items.map((p: { name: string }) => p.name).sort()).toEqual([...ALL_PERMISSIONS].sort());
      expect(res.body.items[0]).toEqual({ name: expect.any(String), description: expect.any(String) });
      expect(res.body).toMatchObject({ total: ALL_PERMISSIONS.length, page: 1 });
    });

    it('needs roles:read: 401 without credentials, 403 for a customer', async () => {
      const customer = await tokenOf('customer');
      expect((await t.request({ method: 'GET', url: '/api/v2/permissions' })).status).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/v2/permissions', token: customer.token })).status).toBe(403);
    });
  });

  describe('built-in roles', () => {
    it('exist in the default tenant, named after the user types, in rank order', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v2/roles?pageSize=100', token: admin });
      expect(res.status).toBe(200);
      const builtIn = res.body.items.filter((r: { builtIn: boolean }) => r.builtIn);
      expect(builtIn.map((r: { name: string }) => r.name)).toEqual([
        'super_admin',
        'platform_admin',
        'tenant_admin',
        'reseller',
        'technician',
        'support',
        'customer',
      ]);
      const byName = Object.fromEntries(
        builtIn.map((r: { name: string; permissions: string[] }) => [r.name, r.permissions]),
      );
      expect(byName.customer).toEqual([]);
      expect(byName.super_admin).toHaveLength(ALL_PERMISSIONS.length);
      expect(byName.tenant_admin).not.toContain('tenants:manage');
    });

    it('cannot be changed, renamed or deleted (422), and stay as they were', async () => {
      const list = await t.request({ method: 'GET', url: '/api/v2/roles?pageSize=100', token: admin });
      const support = list.body.items.find((r: { name: string }) => r.name === 'support');
      for (const body of [{ name: 'helpdesk' }, { permissions: ['users:read'] }, { description: 'x' }]) {
        const res = await t.request({ method: 'PUT', url: `/api/v2/roles/${support.id}`, token: admin, body });
        expect(res.status).toBe(422);
      }
      expect((await t.request({ method: 'DELETE', url: `/api/v2/roles/${support.id}`, token: admin })).status).toBe(
        422,
      );
      const after = await t.request({ method: 'GET', url: `/api/v2/roles/${support.id}`, token: admin });
      expect(after.body).toEqual(support);
    });

    it('are taken: a custom role cannot use their names, in any case', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: admin,
        body: { name: 'Super_Admin', permissions: [] },
      });
      expect(res.status).toBe(409);
    });
  });

  describe('custom roles', () => {
    it('POST → 201; GET, PUT and DELETE work on it', async () => {
      const created = await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: admin,
        body: { name: 'billing-clerk', description: 'Billing desk', permissions: ['users:read', 'sessions:read'] },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: expect.any(String),
        name: 'billing-clerk',
        description: 'Billing desk',
        builtIn: false,
        permissions: ['sessions:read', 'users:read'],
      });
      const id = created.body.id;
      const updated = await t.request({
        method: 'PUT',
        url: `/api/v2/roles/${id}`,
        token: admin,
        body: { name: 'billing', permissions: ['users:read', 'audit:read'] },
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        name: 'billing',
        description: 'Billing desk',
        permissions: ['audit:read', 'users:read'],
      });
      expect((await t.request({ method: 'GET', url: `/api/v2/roles/${id}`, token: admin })).body).toEqual(updated.body);
      expect((await t.request({ method: 'DELETE', url: `/api/v2/roles/${id}`, token: admin })).status).toBe(204);
      expect((await t.request({ method: 'GET', url: `/api/v2/roles/${id}`, token: admin })).status).toBe(404);
      const trail = await t.db.query(`SELECT action FROM audit_log WHERE target_id = $1 ORDER BY created_at`, [id]);
      expect(trail.map((r: { action: string }) => r.action)).toEqual(['role.created', 'role.updated', 'role.deleted']);
    });

    it.each([
      [{ name: 'x', permissions: [] }, /name/],
      [{ name: 'ok-name', permissions: ['users:fly'] }, /permission/],
      [{ name: 'ok-name', permissions: ['users:read', 'users:read'] }, /unique/],
      [{ name: 'ok-name' }, /permissions/],
      [{ name: 'ok-name', permissions: [], builtIn: true }, /builtIn/],
    ])('refuses bad input %j with 400', async (body, message) => {
      const res = await t.request({ method: 'POST', url: '/api/v2/roles', token: admin, body });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    });

    it('PUT refuses a null name or permissions (400); a null description clears it', async () => {
      const role = await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: admin,
        body: { name: 'nullable', description: 'text', permissions: ['users:read'] },
      });
      for (const body of [{ name: null }, { permissions: null }]) {
        expect(
          (await t.request({ method: 'PUT', url: `/api/v2/roles/${role.body.id}`, token: admin, body })).status,
        ).toBe(400);
      }
      const cleared = await t.request({
        method: 'PUT',
        url: `/api/v2/roles/${role.body.id}`,
        token: admin,
        body: { description: null },
      });
      expect(cleared.body).toMatchObject({ name: 'nullable', description: null, permissions: ['users:read'] });
    });

    it('refuses a duplicate name with 409', async () => {
      const body = { name: 'dup-role', permissions: [] };
      expect((await t.request({ method: 'POST', url: '/api/v2/roles', token: admin, body })).status).toBe(201);
      expect(
        (await t.request({ method: 'POST', url: '/api/v2/roles', token: admin, body: { ...body, name: 'DUP-role' } }))
          .status,
      ).toBe(409);
    });

    it('404 for an unknown id, 400 for a malformed one', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await t.request({ method: 'GET', url: `/api/v2/roles/${unknown}`, token: admin })).status).toBe(404);
      expect((await t.request({ method: 'PUT', url: `/api/v2/roles/${unknown}`, token: admin, body: {} })).status).toBe(
        404,
      );
      expect((await t.request({ method: 'GET', url: '/api/v2/roles/not-a-uuid', token: admin })).status).toBe(400);
    });
  });

  describe('POST /users/{id}/roles', () => {
    it("replaces the user's granted roles; the new permissions apply on the user's next request", async () => {
      const tech = await tokenOf('technician');
      await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: admin,
        body: { name: 'role-reader', permissions: ['roles:read'] },
      });
      expect((await t.request({ method: 'GET', url: '/api/v2/roles', token: tech.token })).status).toBe(403);

      const granted = await t.request({
        method: 'POST',
        url: `/api/v2/users/${tech.id}/roles`,
        token: admin,
        body: { roles: ['role-reader', 'support'] },
      });
      expect(granted.status).toBe(200);
      expect(granted.body).toEqual({
        userId: tech.id,
        roles: ['role-reader', 'support'],
        permissions: expect.arrayContaining(['roles:read', 'audit:read', 'users:update']),
      });
      expect((await t.request({ method: 'GET', url: '/api/v2/roles', token: tech.token })).status).toBe(200);

      // Replacing: what is not named is taken away.
      const replaced = await t.request({
        method: 'POST',
        url: `/api/v2/users/${tech.id}/roles`,
        token: admin,
        body: { roles: ['support'] },
      });
      expect(replaced.body.roles).toEqual(['support']);
      expect((await t.request({ method: 'GET', url: '/api/v2/roles', token: tech.token })).status).toBe(403);
      const read = await t.request({ method: 'GET', url: `/api/v2/users/${tech.id}/roles`, token: admin });
      expect(read.body.roles).toEqual(['support']);

      const [entry] = await t.db.query(
        `SELECT metadata FROM audit_log WHERE action = 'user.roles.changed' AND target_id = $1 ORDER BY created_at DESC LIMIT 1`,
        [tech.id],
      );
      expect(entry.metadata).toEqual({ added: [], removed: ['role-reader'] });
    });

    it("changing or deleting a role changes its holders' permissions at once", async () => {
      const tech = await tokenOf('technician');
      const role = await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: admin,
        body: { name: 'auditor', permissions: ['audit:read'] },
      });
      await t.request({
        method: 'POST',
        url: `/api/v2/users/${tech.id}/roles`,
        token: admin,
        body: { roles: ['auditor'] },
      });
      expect((await t.request({ method: 'GET', url: '/api/v2/permissions', token: tech.token })).status).toBe(403);
      await t.request({
        method: 'PUT',
        url: `/api/v2/roles/${role.body.id}`,
        token: admin,
        body: { permissions: ['audit:read', 'roles:read'] },
      });
      expect((await t.request({ method: 'GET', url: '/api/v2/permissions', token: tech.token })).status).toBe(200);
      await t.request({ method: 'DELETE', url: `/api/v2/roles/${role.body.id}`, token: admin });
      expect((await t.request({ method: 'GET', url: '/api/v2/permissions', token: tech.token })).status).toBe(403);
    });

    it('400 for an unknown role name, 404 for an unknown user, and nothing changes', async () => {
      const tech = await tokenOf('technician');
      const unknownRole = await t.request({
        method: 'POST',
        url: `/api/v2/users/${tech.id}/roles`,
        token: admin,
        body: { roles: ['support', 'no-such-role'] },
      });
      expect(unknownRole.status).toBe(400);
      expect(unknownRole.body.message).toMatch(/no-such-role/);
      const unknownUser = await t.request({
        method: 'POST',
        url: '/api/v2/users/00000000-0000-4000-8000-000000000000/roles',
        token: admin,
        body: { roles: [] },
      });
      expect(unknownUser.status).toBe(404);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM user_roles WHERE user_id = $1`, [tech.id]);
      expect(n).toBe(0);
    });
  });

  describe('privilege escalation → 403 and an audit entry', () => {
    it('a role with permissions the caller does not hold', async () => {
      const tenantAdmin = await tokenOf('tenant_admin');
      const res = await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: tenantAdmin.token,
        body: { name: 'sneaky', permissions: ['users:read', 'tenants:manage'] },
      });
      expect(res.status).toBe(403);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM roles WHERE name = 'sneaky'`);
      expect(n).toBe(0);
      expect(await escalations(tenantAdmin.id)).toEqual([
        expect.objectContaining({
          success: false,
          metadata: { attemptedAction: 'role.create', reason: 'missing_permissions', missing: ['tenants:manage'] },
        }),
      ]);
    });

    it('widening an existing role beyond the caller, or editing one that already exceeds them', async () => {
      const tenantAdmin = await tokenOf('tenant_admin');
      const mine = await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: tenantAdmin.token,
        body: { name: 'desk', permissions: ['users:read'] },
      });
      const widen = await t.request({
        method: 'PUT',
        url: `/api/v2/roles/${mine.body.id}`,
        token: tenantAdmin.token,
        body: { permissions: ['users:read', 'tenants:manage'] },
      });
      expect(widen.status).toBe(403);
      const platformRole = await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: admin,
        body: { name: 'tenant-ops', permissions: ['tenants:manage'] },
      });
      for (const attempt of [
        { method: 'PUT' as const, body: { permissions: [] } },
        { method: 'DELETE' as const, body: undefined },
      ]) {
        const res = await t.request({
          ...attempt,
          url: `/api/v2/roles/${platformRole.body.id}`,
          token: tenantAdmin.token,
        });
        expect(res.status).toBe(403);
      }
      const actions = (await escalations(tenantAdmin.id)).map(
        (e: { metadata: { attemptedAction: string } }) => e.metadata.attemptedAction,
      );
      expect(actions).toEqual(['role.update', 'role.update', 'role.delete']);
      expect(
        (await t.request({ method: 'GET', url: `/api/v2/roles/${platformRole.body.id}`, token: admin })).body
          .permissions,
      ).toEqual(['tenants:manage']);
    });

    it('granting yourself roles, even ones you could grant to others', async () => {
      const tenantAdmin = await tokenOf('tenant_admin');
      const res = await t.request({
        method: 'POST',
        url: `/api/v2/users/${tenantAdmin.id}/roles`,
        token: tenantAdmin.token,
        body: { roles: ['support'] },
      });
      expect(res.status).toBe(403);
      expect(await escalations(tenantAdmin.id)).toEqual([
        expect.objectContaining({
          target_id: tenantAdmin.id,
          metadata: { attemptedAction: 'user.roles.assign', reason: 'self_change' },
        }),
      ]);
      const selfAdmin = await t.request({
        method: 'POST',
        url: `/api/v2/users/${(await login(t, 'admin', ADMIN_PASSWORD)).user.id}/roles`,
        token: admin,
        body: { roles: [] },
      });
      expect(selfAdmin.status).toBe(403);
    });

    it('a tenant admin granting the super_admin or platform_admin role, or touching a platform user', async () => {
      const tenantAdmin = await tokenOf('tenant_admin');
      const victim = await createUser(t, { userType: 'customer' });
      for (const role of ['super_admin', 'platform_admin']) {
        const res = await t.request({
          method: 'POST',
          url: `/api/v2/users/${victim.id}/roles`,
          token: tenantAdmin.token,
          body: { roles: [role] },
        });
        expect(res.status).toBe(403);
      }
      const platformUser = await createUser(t, { userType: 'platform_admin' });
      const touch = await t.request({
        method: 'POST',
        url: `/api/v2/users/${platformUser.id}/roles`,
        token: tenantAdmin.token,
        body: { roles: ['customer'] },
      });
      expect(touch.status).toBe(403);
      const reasons = (await escalations(tenantAdmin.id)).map((e: { metadata: object }) => e.metadata);
      expect(reasons).toEqual([
        { attemptedAction: 'user.roles.assign', reason: 'user_type_rank', role: 'super_admin' },
        { attemptedAction: 'user.roles.assign', reason: 'user_type_rank', role: 'platform_admin' },
        { attemptedAction: 'user.roles.assign', reason: 'platform_target', userType: 'platform_admin' },
      ]);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM user_roles WHERE user_id = ANY($1)`, [
        [victim.id, platformUser.id],
      ]);
      expect(n).toBe(0);
    });

    it('a platform admin cannot hand out super_admin; a super admin can', async () => {
      const platformAdmin = await tokenOf('platform_admin');
      const target = await createUser(t, { userType: 'tenant_admin' });
      const denied = await t.request({
        method: 'POST',
        url: `/api/v2/users/${target.id}/roles`,
        token: platformAdmin.token,
        body: { roles: ['super_admin'] },
      });
      expect(denied.status).toBe(403);
      const allowed = await t.request({
        method: 'POST',
        url: `/api/v2/users/${target.id}/roles`,
        token: admin,
        body: { roles: ['platform_admin'] },
      });
      expect(allowed.status).toBe(200);
    });

    it('taking away a role the caller could not grant', async () => {
      const target = await createUser(t, { userType: 'customer' });
      await t.request({
        method: 'POST',
        url: '/api/v2/roles',
        token: admin,
        body: { name: 'ops-x', permissions: ['tenants:manage'] },
      });
      await t.request({
        method: 'POST',
        url: `/api/v2/users/${target.id}/roles`,
        token: admin,
        body: { roles: ['ops-x'] },
      });
      const tenantAdmin = await tokenOf('tenant_admin');
      const res = await t.request({
        method: 'POST',
        url: `/api/v2/users/${target.id}/roles`,
        token: tenantAdmin.token,
        body: { roles: [] },
      });
      expect(res.status).toBe(403);
      const read = await t.request({ method: 'GET', url: `/api/v2/users/${target.id}/roles`, token: admin });
      expect(read.body.roles).toEqual(['ops-x']);
      // tenants:manage counts for platform users only: a customer holding it through a role gets nothing.
      expect(read.body.permissions).toEqual([]);
    });
  });

  it('API keys never reach the roles routes, whatever their scopes', async () => {
    const key = await t.request({
      method: 'POST',
      url: '/api/v2/api-keys',
      token: admin,
      body: { name: 'all-roles', scopes: ['roles:read', 'roles:manage'] },
    });
    for (const [method, url] of [
      ['GET', '/api/v2/permissions'],
      ['GET', '/api/v2/roles'],
      ['POST', '/api/v2/roles'],
    ] as const) {
      const res = await t.request({
        method,
        url,
        apiKey: key.body.key,
        body: method === 'POST' ? { name: 'k', permissions: [] } : undefined,
      });
      expect(res.status).toBe(403);
    }
  });
});
