/** The permission catalogue of the contract: `resource:action`. */
export const PERMISSIONS = {
  'users:read': 'Read user accounts of the tenant',
  'users:create': 'Create user accounts',
  'users:update': 'Change user accounts, reset their MFA',
  'users:delete': 'Soft-delete user accounts',
  'users:status': 'Activate, deactivate and suspend users',
  'users:bulk': 'Run bulk operations on users',
  'users:invite': 'Invite users by email',
  'roles:read': 'Read roles and permissions',
  'roles:manage': 'Create, change and delete roles; assign roles to users',
  'sessions:read': "Read other users' sessions",
  'sessions:manage': "Revoke other users' sessions",
  'apikeys:manage': 'Create and revoke API keys',
  'audit:read': 'Read and verify the audit trail',
  'tenants:manage': 'Create and change tenants (platform admins only)',
  'gdpr:manage': "Export and erase other users' personal data",
  'tokens:introspect': 'Introspect access tokens (for other services)',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];
