import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { hotp, otpauthURL } from 'speakeasy';

/** RFC 6238 as every authenticator app does it: SHA-1, 30-second steps, 6 digits. */
export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Codes of the step before and after the current one are accepted too (clock drift, typing time). */
export const TOTP_WINDOW = 1;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as otpauth:// URLs carry secrets. */
export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** A new shared secret: 160 random bits (the HMAC-SHA-1 key length RFC 4226 recommends), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export function totpStep(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

/** The code of one time step: TOTP is HOTP with the step number as the counter. */
export function totpCode(secretBase32: string, step: number): string {
  return hotp({ secret: secretBase32, encoding: 'base32', algorithm: 'sha1', digits: TOTP_DIGITS, counter: step });
}

/**
 * The time step whose code this is, within ±TOTP_WINDOW steps of now, or undefined. The caller refuses
 * a step not later than the last one used (replay).
 */
export function matchTotp(secretBase32: string, code: string, nowMs: number = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const now = totpStep(nowMs);
  let matched: number | undefined;
  // Every candidate is computed and compared in constant time, so timing does not tell which step matched.
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    if (timingSafeEqual(Buffer.from(totpCode(secretBase32, step)), Buffer.from(code))) matched ??= step;
  }
  return matched;
}

export function otpauthUrl(o: { secretBase32: string; issuer: string; account: string }): string {
  return otpauthURL({
    secret: o.secretBase32,
    encoding: 'base32',
    label: `${o.issuer}:${o.account}`,
    issuer: o.issuer,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_STEP_SECONDS,
  });
}

/** A one-time code for SMS or email: six random digits. */
export function newNumericCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}
