import { ALL_PERMISSIONS, Permission } from '../common/auth/permissions';
import { PLATFORM_USER_TYPES, USER_TYPES, type UserType } from '../common/user-types';

/**
 * Permissions that only mean something across tenants. They are effective only for platform user types
 * (super_admin, platform_admin): a custom role carrying one gives nothing to anybody else, so a tenant
 * admin can never manage tenants, whatever roles a platform admin hands out.
 */
export const PLATFORM_ONLY_PERMISSIONS: readonly Permission[] = ['tenants:manage'];

/**
 * What each user type may do by default: the built-in role of the same name, seeded into every tenant.
 * Custom roles add to it. `customer` holds nothing beyond its own account (the routes of "me" need no
 * permission). The differences between super_admin and platform_admin are not permissions but ranks: see
 * PrivilegeService (only a super_admin creates super admins).
 */
export const BUILT_IN_ROLE_PERMISSIONS: Record<UserType, readonly Permission[]> = {
  super_admin: ALL_PERMISSIONS,
  platform_admin: ALL_PERMISSIONS,
  tenant_admin: ALL_PERMISSIONS.filter((p) => !PLATFORM_ONLY_PERMISSIONS.includes(p)),
  // Sells and looks after customer accounts, and integrates with the platform through API keys.
  reseller: [
    'users:read',
    'users:create',
    'users:update',
    'users:status',
    'users:invite',
    'roles:read',
    'sessions:read',
    'apikeys:manage',
  ],
  // Field and network technicians: look accounts up, fix their details, end stuck sessions.
  technician: ['users:read', 'users:update', 'sessions:read', 'sessions:manage'],
  // Help desk: look accounts up, lock and unlock them, end sessions, follow what happened in the trail.
  support: ['users:read', 'users:status', 'sessions:read', 'sessions:manage', 'audit:read'],
  customer: [],
};

export const BUILT_IN_ROLE_DESCRIPTIONS: Record<UserType, string> = {
  super_admin: 'Everything, on every tenant',
  platform_admin: 'Everything on every tenant, except creating super admins',
  tenant_admin: 'Everything inside its tenant',
  reseller: 'Creates and looks after customer accounts',
  technician: 'Reads and fixes accounts, ends sessions',
  support: 'Reads accounts, changes their status, ends sessions, reads the audit trail',
  customer: 'Its own account only',
};

export const BUILT_IN_ROLE_NAMES: readonly string[] = USER_TYPES;

export function isBuiltInRoleName(name: string): name is UserType {
  return BUILT_IN_ROLE_NAMES.includes(name.toLowerCase());
}

export function isPlatformUserType(userType: UserType): boolean {
  return PLATFORM_USER_TYPES.includes(userType);
}

/** A user's effective permissions from their type and the permissions of the roles granted to them. */
export function effectivePermissions(userType: UserType, granted: Iterable<string>): ReadonlySet<string> {
  const permissions = new Set<string>([...BUILT_IN_ROLE_PERMISSIONS[userType], ...granted]);
  if (!isPlatformUserType(userType)) for (const p of PLATFORM_ONLY_PERMISSIONS) permissions.delete(p);
  return permissions;
}
