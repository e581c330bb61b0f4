import type { AuditEntry, AuditService } from '../audit/audit.service';
import type { Principal, RequestContext } from '../common/context/request-context';
import { Forbidden } from '../common/errors/domain-errors';
import type { UserType } from '../common/user-types';
import { BUILT_IN_ROLE_PERMISSIONS } from './built-in-roles';
import { PrivilegeService } from './privilege.service';

const TENANT = '00000000-0000-4000-8000-000000000001';

function setup(userType: UserType, o: { kind?: Principal['kind']; permissions?: string[] } = {}) {
  const principal: Principal = {
    kind: o.kind ?? 'user',
    userId: 'caller',
    homeTenantId: TENANT,
    userType,
    permissions: new Set(o.permissions ?? BUILT_IN_ROLE_PERMISSIONS[userType]),
    ...(o.kind === 'api_key' ? { apiKeyId: 'key-1' } : {}),
  };
  const context = { tenantId: TENANT, requirePrincipal: () => principal } as unknown as RequestContext;
  const entries: AuditEntry[] = [];
  const audit = { record: (e: AuditEntry) => Promise.resolve(void entries.push(e)) } as unknown as AuditService;
  return { service: new PrivilegeService(context, audit), entries };
}

describe('PrivilegeService', () => {
  describe('assertCanGrant', () => {
    it('lets a caller grant permissions they hold', async () => {
      const { service, entries } = setup('support');
      await expect(service.assertCanGrant(['users:read', 'audit:read'], 'role.create')).resolves.toBeUndefined();
      expect(entries).toEqual([]);
    });

    it('refuses permissions the caller lacks with 403 and an audit entry naming them and the action', async () => {
      const { service, entries } = setup('support');
      await expect(
        service.assertCanGrant(['users:read', 'users:delete', 'roles:manage'], 'role.create'),
      ).rejects.toThrow(Forbidden);
      expect(entries).toEqual([
        expect.objectContaining({
          tenantId: TENANT,
          action: 'rbac.escalation_denied',
          success: false,
          metadata: {
            attemptedAction: 'role.create',
            reason: 'missing_permissions',
            missing: ['roles:manage', 'users:delete'],
          },
        }),
      ]);
    });
  });

  describe('assertCanAssignUserType', () => {
    it.each<[UserType, UserType, boolean]>([
      ['super_admin', 'super_admin', true],
      ['super_admin', 'platform_admin', true],
      ['platform_admin', 'platform_admin', true],
      ['platform_admin', 'super_admin', false],
      ['tenant_admin', 'super_admin', false],
      ['tenant_admin', 'platform_admin', false],
      ['tenant_admin', 'tenant_admin', true],
      ['tenant_admin', 'customer', true],
      ['reseller', 'customer', true],
      // A reseller lacks sessions:manage, which technicians hold.
      ['reseller', 'technician', false],
      ['support', 'tenant_admin', false],
    ])('%s making a %s: %s', async (caller, type, allowed) => {
      const { service, entries } = setup(caller);
      const attempt = service.assertCanAssignUserType(type, 'user.create', 'target-user');
      if (allowed) await expect(attempt).resolves.toBeUndefined();
      else await expect(attempt).rejects.toThrow(Forbidden);
      expect(entries).toHaveLength(allowed ? 0 : 1);
      if (!allowed) expect(entries[0]).toMatchObject({ action: 'rbac.escalation_denied', targetId: 'target-user' });
    });

    it('never lets an API key make platform admins, whatever its scopes', async () => {
      const { service, entries } = setup('super_admin', { kind: 'api_key' });
      await expect(service.assertCanAssignUserType('platform_admin', 'user.create')).rejects.toThrow(Forbidden);
      expect(entries[0].metadata).toMatchObject({
        reason: 'user_type_rank',
        userType: 'platform_admin',
        apiKeyId: 'key-1',
      });
    });
  });

  describe('assertCanAssignRoles', () => {
    it('refuses the built-in platform roles below their rank even when the permissions are held', async () => {
      const { service } = setup('tenant_admin', { permissions: [...BUILT_IN_ROLE_PERMISSIONS.platform_admin] });
      await expect(
        service.assertCanAssignRoles([{ name: 'platform_admin', builtIn: true, permissions: [] }], 'user.roles.assign'),
      ).rejects.toThrow(Forbidden);
    });

    it('allows built-in and custom roles whose permissions the caller holds', async () => {
      const { service, entries } = setup('tenant_admin');
      await expect(
        service.assertCanAssignRoles(
          [
            { name: 'support', builtIn: true, permissions: [...BUILT_IN_ROLE_PERMISSIONS.support] },
            { name: 'helpdesk', builtIn: false, permissions: ['users:read'] },
          ],
          'user.roles.assign',
        ),
      ).resolves.toBeUndefined();
      expect(entries).toEqual([]);
    });

    it('refuses roles carrying permissions the caller lacks', async () => {
      const { service, entries } = setup('tenant_admin');
      await expect(
        service.assertCanAssignRoles(
          [{ name: 'ops', builtIn: false, permissions: ['tenants:manage'] }],
          'user.roles.assign',
        ),
      ).rejects.toThrow(Forbidden);
      expect(entries[0].metadata).toMatchObject({ missing: ['tenants:manage'] });
    });
  });

  it('assertNotSelf refuses a change of your own privileges', async () => {
    const { service, entries } = setup('super_admin');
    await expect(service.assertNotSelf('caller', 'user.roles.assign')).rejects.toThrow(Forbidden);
    await expect(service.assertNotSelf('someone-else', 'user.roles.assign')).resolves.toBeUndefined();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ targetId: 'caller', metadata: { reason: 'self_change' } });
  });

  it('assertCanManageUser keeps platform users out of reach of lower ranks', async () => {
    const tenantAdmin = setup('tenant_admin').service;
    const platformAdmin = setup('platform_admin').service;
    await expect(tenantAdmin.assertCanManageUser({ id: 'u', userType: 'platform_admin' }, 'x')).rejects.toThrow(
      Forbidden,
    );
    await expect(platformAdmin.assertCanManageUser({ id: 'u', userType: 'super_admin' }, 'x')).rejects.toThrow(
      Forbidden,
    );
    await expect(
      platformAdmin.assertCanManageUser({ id: 'u', userType: 'platform_admin' }, 'x'),
    ).resolves.toBeUndefined();
    await expect(tenantAdmin.assertCanManageUser({ id: 'u', userType: 'tenant_admin' }, 'x')).resolves.toBeUndefined();
  });
});
