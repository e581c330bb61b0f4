import { ALL_PERMISSIONS, Permission } from '../common/auth/permissions';
import type { UserType } from '../common/user-types';

/**
 * What each user type may do by default: the built-in role of the same name. Custom roles add to it.
 * `customer` holds nothing beyond its own account (the routes of "me" need no permission).
 */
export const BUILT_IN_ROLE_PERMISSIONS: Record<UserType, readonly Permission[]> = {
  super_admin: ALL_PERMISSIONS,
  platform_admin: ALL_PERMISSIONS,
  tenant_admin: ALL_PERMISSIONS.filter((p) => p !== 'tenants:manage'),
  reseller: ['users:read', 'users:create', 'users:update', 'users:status', 'users:invite', 'sessions:read', 'roles:read'],
  technician: ['users:read', 'users:update', 'sessions:read', 'sessions:manage'],
  support: ['users:read', 'users:status', 'sessions:read', 'sessions:manage', 'audit:read'],
  customer: [],
};
