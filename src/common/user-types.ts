export const USER_TYPES = [
  'super_admin',
  'platform_admin',
  'tenant_admin',
  'reseller',
  'technician',
  'support',
  'customer',
] as const;
export type UserType = (typeof USER_TYPES)[number];

/** Types that act across tenants; everyone else is confined to their own. */
export const PLATFORM_USER_TYPES: readonly UserType[] = ['super_admin', 'platform_admin'];

export const USER_STATUSES = ['pending', 'active', 'suspended', 'inactive', 'deleted'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
