import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export type PasswordPreset = 'classic' | 'nist';
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'ES256';

/** The database's statement timeout when DATABASE_STATEMENT_TIMEOUT_MS is not set. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Every setting of the contract's "Configuration" section, parsed once at boot.
 * A class so that Nest can inject it by type.
 */
export class AppConfig {
  nodeEnv: string;
  isProduction: boolean;
  port: number;
  databaseUrl: string | undefined;
  /** `DATABASE_STATEMENT_TIMEOUT_MS`: a longer statement (or lock wait) is cancelled and its request gets 503. */
  databaseStatementTimeoutMs: number;
  /**
   * `DATABASE_PREPARED_STATEMENTS`: the hot statements run as prepared statements. Off only behind a
   * connection pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  databasePreparedStatements: boolean;
  dataDir: string;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so that deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  jwtSecret: string;
  jwtExpiryHours: number;
  jwtAlgorithm: JwtAlgorithm;
  /**
   * EdDSA/ES256 only: the signing key (PKCS#8 PEM) from `JWT_PRIVATE_KEY` or `JWT_PRIVATE_KEY_FILE`; unset in
   * development: a key pair is generated and kept in DATA_DIR (see src/auth/keys).
   */
  jwtPrivateKeyPem: string | undefined;
  /** Public keys (SPKI PEM, several allowed) that verify but never sign: `JWT_VERIFY_KEYS(_FILE)`, for rotations. */
  jwtVerifyKeysPem: string | undefined;
  accessTokenMinutes: number;
  passwordMinLength: number;
  accountLockoutAttempts: number;
  lockoutDurationMinutes: number;
  sessionTimeoutMinutes: number;
  passwordPolicy: PasswordPreset;
  passwordMaxAgeDays: number;
  passwordHistoryCount: number;
  requireMfaForAdmin: boolean;
  mfaEnrollmentGraceHours: number;
  mfaIssuer: string;
  mfaBackupCodesCount: number;
  mfaTrustDays: number;
  geoipDbPath: string | undefined;
  trustProxy: boolean;
  refreshReuseGraceSeconds: number;
  smtpUrl: string | undefined;
  /** The sender of every email (`SMTP_FROM`). */
  smtpFrom: string;
  notifyOutboxDir: string;
  rateLimitLoginPerMinute: number;
  rateLimitPublicPerMinute: number;
  auditRetentionDays: number;
  corsOrigins: string[];
  bcryptRounds: number;
  encryptionKeys: EncryptionKey[];
  bootstrapAdmin: { username: string; email: string; password: string | undefined };
  /** The password/login policy knobs set explicitly in the environment (they override the preset). */
  policyEnv: PolicyEnvOverrides;
  logLevel: string;
  /** Worker processes of `npm run start:cluster` (default: one per core). */
  workers: number;
}

export interface PolicyEnvOverrides {
  minLength?: number;
  maxAgeDays?: number;
  historyCount?: number;
  maxFailedAttempts?: number;
  lockoutDurationMinutes?: number;
  sessionTimeoutMinutes?: number;
  requireMfaForAdmin?: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const PLACEHOLDERS = /^(|changeme|change-me|secret|placeholder|your[-_].*|xxx+|test|default)$/i;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

/** A PEM from `NAME` or from the file `NAME_FILE` (not both); literal `\n` escapes (one-line env values) become newlines. */
function pem(env: Env, name: string): string | undefined {
  const inline = optional(env, name);
  const file = optional(env, `${name}_FILE`);
  if (inline !== undefined && file !== undefined) throw new ConfigError(name, `and ${name}_FILE are both set; set one`);
  if (inline !== undefined) return inline.replace(/\\n/g, '\n');
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`${name}_FILE`, `names a file that cannot be read: ${file}`);
  }
}

function parseKeyMaterial(name: string, raw: string): Buffer {
  const text = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const b = Buffer.from(text, 'base64');
  if (b.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(text)) return b;
  throw new ConfigError(name, 'must be 32 bytes as 64 hex characters or base64 (or keyId:key pairs)');
}

/** `ENCRYPTION_KEY` is one key, or `id:key,id:key` where the first encrypts and all decrypt. */
export function parseEncryptionKeys(name: string, raw: string): EncryptionKey[] {
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new ConfigError(name, 'is empty');
  const keys = parts.map((part) => {
    const colon = part.indexOf(':');
    if (colon === -1) return { id: 'k1', key: parseKeyMaterial(name, part) };
    const id = part.slice(0, colon);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new ConfigError(name, `has an invalid key id "${id}"`);
    return { id, key: parseKeyMaterial(name, part.slice(colon + 1)) };
  });
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new ConfigError(name, 'repeats a key id');
  return keys;
}

interface DevSecrets {
  jwtSecret: string;
  encryptionKey: string;
}

/** In development the secrets are generated once and kept in DATA_DIR, so tokens survive restarts. */
function devSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: DevSecrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    encryptionKey: randomBytes(32).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function explicitPolicyEnv(env: Env): PolicyEnvOverrides {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const o: PolicyEnvOverrides = {};
  if (set('PASSWORD_MIN_LENGTH')) o.minLength = int(env, 'PASSWORD_MIN_LENGTH', 8, 6, 72);
  if (set('PASSWORD_MAX_AGE_DAYS')) o.maxAgeDays = int(env, 'PASSWORD_MAX_AGE_DAYS', 90, 0, 3650);
  if (set('PASSWORD_HISTORY_COUNT')) o.historyCount = int(env, 'PASSWORD_HISTORY_COUNT', 5, 0, 50);
  if (set('ACCOUNT_LOCKOUT_ATTEMPTS')) o.maxFailedAttempts = int(env, 'ACCOUNT_LOCKOUT_ATTEMPTS', 5, 1, 100);
  if (set('LOCKOUT_DURATION_MINUTES')) o.lockoutDurationMinutes = int(env, 'LOCKOUT_DURATION_MINUTES', 30, 1, 10080);
  if (set('SESSION_TIMEOUT_MINUTES')) o.sessionTimeoutMinutes = int(env, 'SESSION_TIMEOUT_MINUTES', 480, 1, 525600);
  if (set('REQUIRE_MFA_FOR_ADMIN')) o.requireMfaForAdmin = bool(env, 'REQUIRE_MFA_FOR_ADMIN', true);
  return o;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = str(env, 'NODE_ENV', 'development');
  const isProduction = nodeEnv === 'production';
  const dataDir = resolve(str(env, 'DATA_DIR', './.data'));

  const jwtSecretRaw = optional(env, 'JWT_SECRET');
  const encryptionRaw = optional(env, 'ENCRYPTION_KEY');
  if (isProduction) {
    if (!jwtSecretRaw || PLACEHOLDERS.test(jwtSecretRaw)) {
      throw new ConfigError('JWT_SECRET', 'must be set to a real secret when NODE_ENV=production');
    }
    if (jwtSecretRaw.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
    if (!encryptionRaw || PLACEHOLDERS.test(encryptionRaw)) {
      throw new ConfigError('ENCRYPTION_KEY', 'must be set to a real key when NODE_ENV=production');
    }
  }
  const generated = !jwtSecretRaw || !encryptionRaw ? devSecrets(dataDir) : undefined;
  const jwtSecret = jwtSecretRaw ?? generated!.jwtSecret;
  if (jwtSecret.length < 16) throw new ConfigError('JWT_SECRET', 'must be at least 16 characters');

  const jwtExpiryHours = int(env, 'JWT_EXPIRY_HOURS', 24, 1, 24 * 90);
  const jwtAlgorithm = oneOf<JwtAlgorithm>(env, 'JWT_ALGORITHM', 'HS256', ['HS256', 'EdDSA', 'ES256']);
  const jwtPrivateKeyPem = pem(env, 'JWT_PRIVATE_KEY');
  const jwtVerifyKeysPem = pem(env, 'JWT_VERIFY_KEYS');
  if (jwtAlgorithm === 'HS256' && (jwtPrivateKeyPem || jwtVerifyKeysPem)) {
    throw new ConfigError(
      jwtPrivateKeyPem ? 'JWT_PRIVATE_KEY' : 'JWT_VERIFY_KEYS',
      'is set but JWT_ALGORITHM is HS256; set JWT_ALGORITHM=EdDSA or ES256 to sign with key pairs',
    );
  }
  if (jwtAlgorithm !== 'HS256' && isProduction && !jwtPrivateKeyPem) {
    throw new ConfigError(
      'JWT_PRIVATE_KEY',
      `(or JWT_PRIVATE_KEY_FILE) must be set when JWT_ALGORITHM=${jwtAlgorithm} and NODE_ENV=production`,
    );
  }
  const origins = optional(env, 'CORS_ORIGINS');

  return Object.assign(new AppConfig(), {
    nodeEnv,
    isProduction,
    port: int(env, 'PORT', 3000, 0, 65535),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseStatementTimeoutMs: int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', DEFAULT_STATEMENT_TIMEOUT_MS, 100, 3_600_000),
    databasePreparedStatements: bool(env, 'DATABASE_PREPARED_STATEMENTS', true),
    dataDir,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: str(env, 'REDIS_PREFIX', 'dm:'),
    jwtSecret,
    jwtExpiryHours,
    jwtAlgorithm,
    jwtPrivateKeyPem,
    jwtVerifyKeysPem,
    accessTokenMinutes: Math.min(int(env, 'ACCESS_TOKEN_MINUTES', 15, 1, 1440), jwtExpiryHours * 60),
    passwordMinLength: int(env, 'PASSWORD_MIN_LENGTH', 8, 6, 72),
    accountLockoutAttempts: int(env, 'ACCOUNT_LOCKOUT_ATTEMPTS', 5, 1, 100),
    lockoutDurationMinutes: int(env, 'LOCKOUT_DURATION_MINUTES', 30, 1, 10080),
    sessionTimeoutMinutes: int(env, 'SESSION_TIMEOUT_MINUTES', 480, 1, 525600),
    passwordPolicy: oneOf<PasswordPreset>(env, 'PASSWORD_POLICY', 'classic', ['classic', 'nist']),
    passwordMaxAgeDays: int(env, 'PASSWORD_MAX_AGE_DAYS', 90, 0, 3650),
    passwordHistoryCount: int(env, 'PASSWORD_HISTORY_COUNT', 5, 0, 50),
    requireMfaForAdmin: bool(env, 'REQUIRE_MFA_FOR_ADMIN', true),
    mfaEnrollmentGraceHours: int(env, 'MFA_ENROLLMENT_GRACE_HOURS', 72, 0, 8760),
    mfaIssuer: str(env, 'MFA_ISSUER', 'DotMac'),
    mfaBackupCodesCount: int(env, 'MFA_BACKUP_CODES_COUNT', 10, 1, 50),
    mfaTrustDays: int(env, 'MFA_TRUST_DAYS', 30, 0, 365),
    geoipDbPath: optional(env, 'GEOIP_DB_PATH'),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    refreshReuseGraceSeconds: int(env, 'REFRESH_REUSE_GRACE_SECONDS', 0, 0, 300),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    smtpFrom: str(env, 'SMTP_FROM', 'DotMac <no-reply@localhost>'),
    notifyOutboxDir: resolve(str(env, 'NOTIFY_OUTBOX_DIR', join(dataDir, 'outbox'))),
    rateLimitLoginPerMinute: int(env, 'RATE_LIMIT_LOGIN_PER_MINUTE', 30, 0, 1_000_000),
    rateLimitPublicPerMinute: int(env, 'RATE_LIMIT_PUBLIC_PER_MINUTE', 60, 0, 1_000_000),
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 365, 1, 36500),
    corsOrigins: origins
      ? origins
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : [],
    bcryptRounds: int(env, 'BCRYPT_ROUNDS', 12, 4, 16),
    encryptionKeys: parseEncryptionKeys('ENCRYPTION_KEY', encryptionRaw ?? generated!.encryptionKey),
    bootstrapAdmin: {
      username: str(env, 'BOOTSTRAP_ADMIN_USERNAME', 'admin'),
      email: str(env, 'BOOTSTRAP_ADMIN_EMAIL', 'admin@localhost').toLowerCase(),
      password: optional(env, 'BOOTSTRAP_ADMIN_PASSWORD'),
    },
    policyEnv: explicitPolicyEnv(env),
    workers: int(env, 'WORKERS', availableParallelism(), 1, 256),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  } satisfies AppConfig);
}
