import type { PasswordPreset, PolicyEnvOverrides } from '../config/app-config';
import { USER_TYPES, type UserType } from '../common/user-types';
import type { TenantSettings } from './tenant-settings';

/** The knobs of the contract's "Password and login policy". */
export interface PasswordPolicy {
  preset: PasswordPreset;
  minLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireNumbers: boolean;
  requireSymbols: boolean;
  maxAgeDays: number;
  historyCount: number;
  maxFailedAttempts: number;
  lockoutDurationMinutes: number;
  sessionTimeoutMinutes: number;
  requireMfaForAdmin: boolean;
}

export const PASSWORD_PRESETS: Record<PasswordPreset, PasswordPolicy> = {
  classic: {
    preset: 'classic',
    minLength: 8,
    requireUppercase: true,
    requireLowercase: true,
    requireNumbers: true,
    requireSymbols: true,
    maxAgeDays: 90,
    historyCount: 5,
    maxFailedAttempts: 5,
    lockoutDurationMinutes: 30,
    sessionTimeoutMinutes: 480,
    requireMfaForAdmin: true,
  },
  // NIST SP 800-63B: length and a breached-password check instead of composition rules and expiry.
  nist: {
    preset: 'nist',
    minLength: 8,
    requireUppercase: false,
    requireLowercase: false,
    requireNumbers: false,
    requireSymbols: false,
    maxAgeDays: 0,
    historyCount: 5,
    maxFailedAttempts: 5,
    lockoutDurationMinutes: 30,
    sessionTimeoutMinutes: 480,
    requireMfaForAdmin: true,
  },
};

export const POLICY_KNOBS = Object.keys(PASSWORD_PRESETS.classic).filter((k) => k !== 'preset') as Exclude<
  keyof PasswordPolicy,
  'preset'
>[];

/** Everything a tenant's settings decide, with the environment's defaults filled in. */
export interface EffectivePolicy {
  password: PasswordPolicy;
  allowedUserTypes: readonly UserType[];
  /** MFA required for every user of the tenant (admins are covered by password.requireMfaForAdmin). */
  requireMfa: boolean;
  sessionTimeoutMinutes: number;
  stepUpOnSuspiciousLogin: boolean;
  consentVersions: { terms: string; privacy: string };
}

export interface PolicyDefaults {
  preset: PasswordPreset;
  env: PolicyEnvOverrides;
}

/**
 * preset (the tenant's, else PASSWORD_POLICY) → knobs set in the environment (only for tenants that did
 * not choose a preset of their own) → the tenant's own knobs.
 */
export function effectivePolicy(defaults: PolicyDefaults, settings: TenantSettings = {}): EffectivePolicy {
  const tenantPassword = settings.passwordPolicy ?? {};
  const preset = tenantPassword.preset ?? defaults.preset;
  const password: PasswordPolicy = { ...PASSWORD_PRESETS[preset] };
  if (!tenantPassword.preset) Object.assign(password, defaults.env);
  for (const knob of POLICY_KNOBS) {
    const value = tenantPassword[knob];
    if (value !== undefined) (password as unknown as Record<string, unknown>)[knob] = value;
  }
  if (settings.sessionTimeoutMinutes !== undefined) password.sessionTimeoutMinutes = settings.sessionTimeoutMinutes;
  return {
    password,
    allowedUserTypes: settings.allowedUserTypes ?? USER_TYPES,
    requireMfa: settings.requireMfa ?? false,
    sessionTimeoutMinutes: password.sessionTimeoutMinutes,
    stepUpOnSuspiciousLogin: settings.stepUpOnSuspiciousLogin ?? false,
    consentVersions: {
      terms: settings.consentVersions?.terms ?? '1',
      privacy: settings.consentVersions?.privacy ?? '1',
    },
  };
}
