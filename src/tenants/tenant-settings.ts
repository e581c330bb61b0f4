import type { PasswordPreset } from '../config/app-config';
import type { UserType } from '../common/user-types';

/** A tenant's overrides of the environment's defaults; every field is optional. */
export interface TenantSettings {
  passwordPolicy?: { preset?: PasswordPreset } & Record<string, unknown>;
  allowedUserTypes?: UserType[];
  requireMfa?: boolean;
  sessionTimeoutMinutes?: number;
  stepUpOnSuspiciousLogin?: boolean;
  consentVersions?: { terms?: string; privacy?: string };
}
