import { randomBytes } from 'node:crypto';
import { hashToken } from '../sessions/sessions.service';

export const API_KEY_PREFIX = 'dmac_';
/** The visible prefix kept to recognise a key: `dmac_` and 7 characters of the secret (42 bits). */
export const API_KEY_DISPLAY_LENGTH = 12;
const API_KEY_FORMAT = /^dmac_[A-Za-z0-9_-]{43}$/;

/** `dmac_` + 32 random bytes in base64url: 256 bits, so a fast unsalted hash is enough to store it. */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, API_KEY_DISPLAY_LENGTH), hash: hashApiKey(key) };
}

/**
 * sha256, like refresh tokens. A keyed hash (a pepper) would add nothing against guessing a 256-bit
 * secret, and deriving it from JWT_SECRET would silently break every key when that secret rotates.
 */
export function hashApiKey(key: string): string {
  return hashToken(key);
}

export function looksLikeApiKey(value: string): boolean {
  return API_KEY_FORMAT.test(value);
}
