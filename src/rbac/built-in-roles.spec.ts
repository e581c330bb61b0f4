import { ALL_PERMISSIONS } from '../common/auth/permissions';
import { USER_TYPES } from '../common/user-types';
import { BUILT_IN_ROLE_PERMISSIONS, effectivePermissions } from './built-in-roles';

describe('built-in roles', () => {
  it('gives super_admin everything and customer nothing', () => {
    expect([...BUILT_IN_ROLE_PERMISSIONS.super_admin].sort()).toEqual([...ALL_PERMISSIONS].sort());
    expect(BUILT_IN_ROLE_PERMISSIONS.customer).toEqual([]);
  });

  it('never gives tenants:manage to a type below platform level', () => {
    for (const type of USER_TYPES.filter((t) => t !== 'super_admin' && t !== 'platform_admin')) {
      expect(BUILT_IN_ROLE_PERMISSIONS[type]).not.toContain('tenants:manage');
    }
  });

  it('only lists permissions of the catalogue', () => {
    for (const type of USER_TYPES)
      for (const p of BUILT_IN_ROLE_PERMISSIONS[type]) expect(ALL_PERMISSIONS).toContain(p);
  });

  it('adds granted permissions to the type’s own', () => {
    expect([...effectivePermissions('technician', ['audit:read'])].sort()).toEqual(
      ['audit:read', 'sessions:manage', 'sessions:read', 'users:read', 'users:update'].sort(),
    );
  });

  it('drops platform-only permissions granted to a non-platform user through a custom role', () => {
    expect(effectivePermissions('tenant_admin', ['tenants:manage']).has('tenants:manage')).toBe(false);
    expect(effectivePermissions('customer', ['tenants:manage', 'users:read'])).toEqual(new Set(['users:read']));
    expect(effectivePermissions('platform_admin', []).has('tenants:manage')).toBe(true);
  });
});
