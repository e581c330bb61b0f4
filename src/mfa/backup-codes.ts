import { randomBytes } from 'node:crypto';
import { hashToken } from '../sessions/sessions.service';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A backup code: 16 characters of a 32-letter alphabet (80 random bits), written in groups of four.
 * That much entropy makes a plain sha256 enough to store it: there is nothing to brute-force.
 */
export function newBackupCode(): string {
  const bytes = randomBytes(16);
  let code = '';
  for (let i = 0; i < 16; i++) code += ALPHABET[bytes[i] & 31];
  return code.match(/.{4}/g)!.join('-');
}

/** Case, spaces and dashes do not matter when a user types a code back. */
export function normalizeBackupCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

export function hashBackupCode(input: string): string {
  return hashToken(`backup:${normalizeBackupCode(input)}`);
}

export function looksLikeBackupCode(input: string): boolean {
  return /^[a-z2-7]{16}$/.test(normalizeBackupCode(input));
}
