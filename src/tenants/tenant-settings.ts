import type { PasswordPreset } from '../config/app-config';
import type { UserType } from '../common/user-types';

/** The knobs of the password/login policy a tenant may set (ranges in dto/tenant-settings.dto.ts). */
export interface PasswordPolicyOverrides {
  preset?: PasswordPreset;
  minLength?: number;
  requireUppercase?: boolean;
  requireLowercase?: boolean;
  requireNumbers?: boolean;
  requireSymbols?: boolean;
  maxAgeDays?: number;
  historyCount?: number;
  maxFailedAttempts?: number;
  lockoutDurationMinutes?: number;
  sessionTimeoutMinutes?: number;
  requireMfaForAdmin?: boolean;
}

/** A tenant's overrides of the environment's defaults; every field is optional. */
export interface TenantSettings {
  passwordPolicy?: PasswordPolicyOverrides;
  allowedUserTypes?: UserType[];
  requireMfa?: boolean;
  sessionTimeoutMinutes?: number;
  stepUpOnSuspiciousLogin?: boolean;
  consentVersions?: { terms?: string; privacy?: string };
}
