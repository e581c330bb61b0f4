import { PASSWORD_PRESETS, PasswordPolicy } from '../../tenants/tenant-policy';
import { checkPassword, exceedsBcryptLimit, isCommonPassword, isPasswordExpired } from './password-policy';

const classic = PASSWORD_PRESETS.classic;
const nist = PASSWORD_PRESETS.nist;
const rules = (policy: PasswordPolicy, password: string, owner = {}) =>
  checkPassword(policy, password, owner).map((v) => v.rule);
const DAY = 86_400_000;

describe('password policy', () => {
  describe('classic preset', () => {
    it('accepts a long password with all four character classes', () => {
      expect(rules(classic, 'Tulip-Harbor-42')).toEqual([]);
    });

    it('lists every class that is missing, not just the first', () => {
      expect(rules(classic, 'tulipharborzz')).toEqual(['uppercase', 'number', 'symbol']);
      expect(rules(classic, 'TULIPHARBOR42!')).toEqual(['lowercase']);
    });

    it('refuses passwords shorter than 8 characters, together with the other failures', () => {
      expect(rules(classic, 'Tu-42x')).toEqual(['min_length']);
      expect(rules(classic, 'tu')).toEqual(['min_length', 'uppercase', 'number', 'symbol']);
    });

    it('counts characters, not bytes, for the minimum length', () => {
      expect(rules(classic, 'Äöü-ßé1x')).toEqual([]);
    });

    it('expires passwords after 90 days', () => {
      const now = new Date('2026-03-01T00:00:00Z');
      expect(isPasswordExpired(classic, new Date(now.getTime() - 89 * DAY), now)).toBe(false);
      expect(isPasswordExpired(classic, new Date(now.getTime() - 91 * DAY), now)).toBe(true);
    });
  });

  describe('nist preset', () => {
    it('has no composition rules: a long lower-case passphrase is fine', () => {
      expect(rules(nist, 'correct tulip harbor staple')).toEqual([]);
    });

    it('still requires 8 characters and refuses common passwords', () => {
      expect(rules(nist, 'tu-9')).toEqual(['min_length']);
      expect(rules(nist, 'iloveyou')).toEqual(['common']);
    });

    it('never expires passwords', () => {
      expect(isPasswordExpired(nist, new Date(0))).toBe(false);
    });
  });

  describe('each knob', () => {
    const none: PasswordPolicy = { ...nist, minLength: 1 };

    it('minLength', () => {
      expect(rules({ ...none, minLength: 12 }, 'tulip-harbor')).toEqual([]);
      expect(rules({ ...none, minLength: 13 }, 'tulip-harbor')).toEqual(['min_length']);
      expect(checkPassword({ ...none, minLength: 13 }, 'tulip-harbor')[0].message).toContain('13 characters');
    });

    it('requireUppercase', () => {
      expect(rules({ ...none, requireUppercase: true }, 'tulip-harbor')).toEqual(['uppercase']);
      expect(rules({ ...none, requireUppercase: true }, 'tulip-Harbor')).toEqual([]);
    });

    it('requireLowercase', () => {
      expect(rules({ ...none, requireLowercase: true }, 'TULIP-HARBOR')).toEqual(['lowercase']);
      expect(rules({ ...none, requireLowercase: true }, 'TULIP-HARBOr')).toEqual([]);
    });

    it('requireNumbers', () => {
      expect(rules({ ...none, requireNumbers: true }, 'tulip-harbor')).toEqual(['number']);
      expect(rules({ ...none, requireNumbers: true }, 'tulip-harbor7')).toEqual([]);
    });

    it('requireSymbols (anything that is neither a letter nor a digit, space included)', () => {
      expect(rules({ ...none, requireSymbols: true }, 'tulipharbor')).toEqual(['symbol']);
      expect(rules({ ...none, requireSymbols: true }, 'tulip harbor')).toEqual([]);
      expect(rules({ ...none, requireSymbols: true }, 'tulip€harbor')).toEqual([]);
    });

    it('maxAgeDays (0 = never)', () => {
      const changed = new Date(Date.now() - 10 * DAY);
      expect(isPasswordExpired({ maxAgeDays: 9 }, changed)).toBe(true);
      expect(isPasswordExpired({ maxAgeDays: 11 }, changed)).toBe(false);
      expect(isPasswordExpired({ maxAgeDays: 0 }, changed)).toBe(false);
      expect(isPasswordExpired({ maxAgeDays: 9 }, null)).toBe(false);
    });
  });

  describe('rules every preset enforces', () => {
    it.each([
      ['password', 'as is'],
      ['PASSWORD', 'in another case'],
      ['Password1!', 'dressed up with digits and symbols around it'],
      ['!!Dragon2024', 'with digits and symbols before and after'],
      ['qwerty123', 'as a list entry containing digits'],
    ])('refuses a common password (%s, %s)', (password) => {
      expect(isCommonPassword(password)).toBe(true);
      expect(rules(nist, password)).toContain('common');
    });

    it('does not refuse a password merely because it contains a short common word', () => {
      expect(isCommonPassword('ab#Zq9-tulip-harbor')).toBe(false);
      expect(isCommonPassword('Tulip-Harbor-42')).toBe(false);
    });

    it('refuses a password containing the username or the email, in any case', () => {
      const owner = { username: 'jdoe', email: 'jane.doe@example.com' };
      expect(rules(nist, 'my-JDOE-secret', owner)).toEqual(['contains_username']);
      expect(rules(nist, 'Jane.Doe-rocks', owner)).toEqual(['contains_email']);
      expect(rules(nist, 'tulip harbor staple', owner)).toEqual([]);
    });

    it('ignores usernames too short to mean anything inside a password', () => {
      expect(rules(nist, 'tulip-harbor-jd', { username: 'jd' })).toEqual([]);
    });

    it('refuses passwords over 72 bytes (bcrypt would truncate them), counting bytes not characters', () => {
      expect(exceedsBcryptLimit('a'.repeat(72))).toBe(false);
      expect(exceedsBcryptLimit('a'.repeat(73))).toBe(true);
      // 36 two-byte characters are 72 bytes; one more character is 74.
      expect(exceedsBcryptLimit('ä'.repeat(36))).toBe(false);
      expect(exceedsBcryptLimit('ä'.repeat(36) + 'a')).toBe(true);
    });
  });
});
