import type { components } from './generated/api';

/** The service's DTOs as its OpenAPI document describes them (generated: `npm run client:generate`). */
export type Schemas = components['schemas'];
export type UserDto = Schemas['UserDto'];
export type IntrospectionDto = Schemas['IntrospectionDto'];
export type LoginResponseDto = Schemas['LoginResponseDto'];
export type JwksDto = Schemas['JwksDto'];

/** The user types of the contract; the type is the generated one, the list is checked against it in tests. */
export type UserType = UserDto['userType'];
export const USER_TYPES = [
  'super_admin',
  'platform_admin',
  'tenant_admin',
  'reseller',
  'technician',
  'support',
  'customer',
] as const satisfies readonly UserType[];

/** The permission catalogue of the contract (`resource:action`). */
export const PERMISSIONS = [
  'users:read',
  'users:create',
  'users:update',
  'users:delete',
  'users:status',
  'users:bulk',
  'users:invite',
  'roles:read',
  'roles:manage',
  'sessions:read',
  'sessions:manage',
  'apikeys:manage',
  'audit:read',
  'tenants:manage',
  'gdpr:manage',
  'tokens:introspect',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A session that only reaches some routes of the service until the user acts; other services refuse it. */
export type SessionRestriction = 'password_change' | 'mfa_setup';

/** The caller of a route, as @CurrentUser() gives it. */
export interface AuthenticatedUser {
  userId: string;
  tenantId: string;
  sessionId: string;
  userType: UserType;
  /** From introspection (current) when configured, else the token's `scope` (as at issue time). */
  permissions: ReadonlySet<string>;
  /** Only known with introspection. */
  username?: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** The verified access-token claims. */
  claims: AccessTokenClaims;
}

/** The claims of the service's access tokens. */
export interface AccessTokenClaims {
  sub: string;
  tid: string;
  sid: string;
  typ: 'access';
  utp: UserType;
  scope?: string;
  rst?: SessionRestriction;
  iat: number;
  exp: number;
  iss: string;
  aud: string | string[];
}
