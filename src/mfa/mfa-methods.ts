import type { UserType } from '../common/user-types';
import type { EffectivePolicy } from '../tenants/tenant-policy';

export const MFA_METHODS = ['totp', 'sms', 'email'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

/** The methods that send a one-time code through the notification port. */
export const CODE_METHODS = ['sms', 'email'] as const;
export type CodeMethod = (typeof CODE_METHODS)[number];

/** What a login's second step accepts: an enabled method, or one of the backup codes. */
export const CHALLENGE_METHODS = [...MFA_METHODS, 'backup_code'] as const;
export type ChallengeMethod = (typeof CHALLENGE_METHODS)[number];

export const isCodeMethod = (m: string): m is CodeMethod => (CODE_METHODS as readonly string[]).includes(m);

/** The user types that `requireMfaForAdmin` covers. */
export const MFA_ADMIN_TYPES: readonly UserType[] = ['super_admin', 'platform_admin', 'tenant_admin'];

/** Whether the tenant's policy requires MFA of this user. */
export function mfaRequiredFor(userType: UserType, policy: EffectivePolicy): boolean {
  return policy.requireMfa || (policy.password.requireMfaForAdmin && MFA_ADMIN_TYPES.includes(userType));
}

/** The end of the enrolment grace period: until then a user without MFA may work as usual. */
export function enrolmentDeadline(createdAt: Date, graceHours: number): Date {
  return new Date(createdAt.getTime() + graceHours * 3_600_000);
}
