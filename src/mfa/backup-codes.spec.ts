import { hashBackupCode, looksLikeBackupCode, newBackupCode, normalizeBackupCode } from './backup-codes';
import { maskDestination } from './mfa-codes.service';
import { enrolmentDeadline, mfaRequiredFor } from './mfa-methods';
import { PASSWORD_PRESETS, type EffectivePolicy } from '../tenants/tenant-policy';

describe('backup codes', () => {
  it('are 16 characters of an unambiguous alphabet in groups of four, all different', () => {
    const codes = Array.from({ length: 50 }, newBackupCode);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(new Set(codes).size).toBe(50);
  });

  it('match however the user types them back, and are never told apart from TOTP codes wrongly', () => {
    const code = newBackupCode();
    const typed = ` ${code.toUpperCase().replace(/-/g, ' ')} `;
    expect(normalizeBackupCode(typed)).toBe(code.replace(/-/g, ''));
    expect(hashBackupCode(typed)).toBe(hashBackupCode(code));
    expect(hashBackupCode(code)).not.toContain(code.replace(/-/g, ''));
    expect(looksLikeBackupCode(typed)).toBe(true);
    expect(looksLikeBackupCode('123456')).toBe(false);
  });
});

describe('code destinations', () => {
  it('are masked', () => {
    expect(maskDestination('email', 'jane.doe@example.com')).toBe('j***@example.com');
    expect(maskDestination('sms', '+4915112345678')).toBe('+***********78');
  });
});

describe('MFA policy', () => {
  const policy = (requireMfa: boolean, requireMfaForAdmin: boolean): EffectivePolicy => ({
    password: { ...PASSWORD_PRESETS.classic, requireMfaForAdmin },
    allowedUserTypes: [],
    requireMfa,
    sessionTimeoutMinutes: 480,
    stepUpOnSuspiciousLogin: false,
    consentVersions: { terms: '1', privacy: '1' },
  });

  it('requires MFA of admins under requireMfaForAdmin, and of everyone under requireMfa', () => {
    for (const admin of ['super_admin', 'platform_admin', 'tenant_admin'] as const) {
      expect(mfaRequiredFor(admin, policy(false, true))).toBe(true);
      expect(mfaRequiredFor(admin, policy(false, false))).toBe(false);
    }
    expect(mfaRequiredFor('customer', policy(false, true))).toBe(false);
    expect(mfaRequiredFor('customer', policy(true, false))).toBe(true);
  });

  it('ends the enrolment grace period the given hours after the account was created', () => {
    expect(enrolmentDeadline(new Date('2026-01-01T00:00:00Z'), 72).toISOString()).toBe('2026-01-04T00:00:00.000Z');
  });
});
