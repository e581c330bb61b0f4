import { dictionary } from '@zxcvbn-ts/language-common';
import { BCRYPT_MAX_BYTES } from '../../common/crypto/password-hasher';
import type { PasswordPolicy } from '../../tenants/tenant-policy';

/** Why a password was refused; clients may key their messages on these. */
export type PasswordRule =
  | 'min_length'
  | 'uppercase'
  | 'lowercase'
  | 'number'
  | 'symbol'
  | 'common'
  | 'contains_username'
  | 'contains_email'
  | 'history';

export interface PasswordViolation {
  rule: PasswordRule;
  message: string;
}

/** Who the password is for: it must not contain their username or email. */
export interface PasswordOwner {
  username?: string | null;
  email?: string | null;
}

/** Parts of a username or email shorter than this are too short to be meaningful inside a password. */
const MIN_CONTAINED_LENGTH = 3;

/** A blocklisted word counts inside a password only when at least this long (so "ab" never refuses "ab#Zq9…"). */
const MIN_BLOCKLISTED_CORE = 4;

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * The 49k most common passwords of the zxcvbn-ts project (from breach corpora), lower-cased, kept in
 * memory for the life of the process.
 */
function blocklist(): ReadonlySet<string> {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return commonPasswords;
}

/** bcrypt reads only the first 72 bytes; a longer password is refused (400), never silently truncated. */
export function exceedsBcryptLimit(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES;
}

/**
 * A common password, compared case-insensitively, as is or with only digits and symbols added before or
 * after it ("Dragon2024!" is "dragon" dressed up).
 */
export function isCommonPassword(password: string): boolean {
  const list = blocklist();
  const lower = password.toLowerCase();
  if (list.has(lower)) return true;
  const core = lower.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
  return core !== lower && [...core].length >= MIN_BLOCKLISTED_CORE && list.has(core);
}

/**
 * Every rule of the policy the password breaks (history aside: that needs the stored hashes). An empty
 * list means the password is acceptable. The 72-byte limit is checked separately (it is a 400, not a 422).
 */
export function checkPassword(
  policy: PasswordPolicy,
  password: string,
  owner: PasswordOwner = {},
): PasswordViolation[] {
  const violations: PasswordViolation[] = [];
  const length = [...password].length;
  if (length < policy.minLength) {
    violations.push({ rule: 'min_length', message: `Password must be at least ${policy.minLength} characters long` });
  }
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) {
    violations.push({ rule: 'uppercase', message: 'Password must contain an uppercase letter' });
  }
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) {
    violations.push({ rule: 'lowercase', message: 'Password must contain a lowercase letter' });
  }
  if (policy.requireNumbers && !/\p{Nd}/u.test(password)) {
    violations.push({ rule: 'number', message: 'Password must contain a number' });
  }
  if (policy.requireSymbols && !/[^\p{L}\p{N}]/u.test(password)) {
    violations.push({ rule: 'symbol', message: 'Password must contain a symbol' });
  }
  if (isCommonPassword(password)) {
    violations.push({ rule: 'common', message: 'Password is too common: it appears in lists of breached passwords' });
  }
  const lower = password.toLowerCase();
  const username = owner.username?.trim().toLowerCase();
  if (username && username.length >= MIN_CONTAINED_LENGTH && lower.includes(username)) {
    violations.push({ rule: 'contains_username', message: 'Password must not contain the username' });
  }
  const email = owner.email?.trim().toLowerCase();
  const localPart = email?.split('@')[0];
  if (
    email &&
    ((localPart && localPart.length >= MIN_CONTAINED_LENGTH && lower.includes(localPart)) || lower.includes(email))
  ) {
    violations.push({ rule: 'contains_email', message: 'Password must not contain the email address' });
  }
  return violations;
}

/** The message of the history rule, shared by every place that checks it. */
export function historyViolation(historyCount: number): PasswordViolation {
  return {
    rule: 'history',
    message:
      historyCount === 1
        ? 'Password must differ from the current password'
        : `Password must differ from the last ${historyCount} passwords`,
  };
}

/** Whether a password set at `changedAt` has outlived the policy's maximum age (0 = never expires). */
export function isPasswordExpired(
  policy: Pick<PasswordPolicy, 'maxAgeDays'>,
  changedAt: Date | null,
  now = new Date(),
): boolean {
  if (policy.maxAgeDays <= 0 || !changedAt) return false;
  return now.getTime() - changedAt.getTime() > policy.maxAgeDays * 86_400_000;
}
