import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsymmetricAlgorithm, SigningKey, asymmetricKey, generateKey, privateKeyPem } from './signing-key';

/** The development key ring in DATA_DIR, so that tokens survive restarts (like the generated JWT_SECRET). */
export const DEV_KEY_RING_FILE = 'jwt-keys.json';

interface StoredKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  privateKey: string;
  createdAt: string;
  retiredAt?: string;
}

interface StoredRing {
  keys: StoredKey[];
}

function read(file: string): StoredKey[] {
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as StoredRing).keys;
}

function write(dataDir: string, keys: StoredKey[]): void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, DEV_KEY_RING_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ keys } satisfies StoredRing, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

function toSigningKey(stored: StoredKey): SigningKey {
  const key = asymmetricKey(createPrivateKey(stored.privateKey));
  return stored.retiredAt ? { ...key, retiredAt: new Date(stored.retiredAt) } : key;
}

function stored(key: SigningKey, now: Date): StoredKey {
  return {
    kid: key.kid!,
    alg: key.alg as AsymmetricAlgorithm,
    privateKey: privateKeyPem(key),
    createdAt: now.toISOString(),
  };
}

/**
 * The ring's keys, the signing key first. A ring without a key of `alg` that signs gets one (the previous
 * signing key is retired, not deleted: it still verifies). Retired keys whose tokens have all expired
 * (retired more than `retentionMs` ago) are dropped from the file.
 */
export function loadDevKeyRing(
  dataDir: string,
  alg: AsymmetricAlgorithm,
  retentionMs: number,
  now = new Date(),
): SigningKey[] {
  const file = join(dataDir, DEV_KEY_RING_FILE);
  const before = read(file);
  let keys = before.filter((k) => !k.retiredAt || new Date(k.retiredAt).getTime() + retentionMs > now.getTime());
  const current = keys.find((k) => !k.retiredAt);
  if (!current || current.alg !== alg) {
    keys = [
      stored(generateKey(alg), now),
      ...keys.map((k) => (k.retiredAt ? k : { ...k, retiredAt: now.toISOString() })),
    ];
  }
  if (keys.length !== before.length || keys[0] !== before[0]) write(dataDir, keys);
  return keys.map(toSigningKey);
}

/** A new signing key; the current one is retired and keeps verifying until its tokens have expired. */
export function rotateDevKeyRing(dataDir: string, alg: AsymmetricAlgorithm, now = new Date()): SigningKey[] {
  const file = join(dataDir, DEV_KEY_RING_FILE);
  const keys = [
    stored(generateKey(alg), now),
    ...read(file).map((k) => (k.retiredAt ? k : { ...k, retiredAt: now.toISOString() })),
  ];
  write(dataDir, keys);
  return keys.map(toSigningKey);
}
