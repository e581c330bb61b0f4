import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseEncryptionKeys } from './app-config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'dm-config-'));
const HEX_KEY = 'a'.repeat(64);

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const c = loadConfig({ DATA_DIR: dataDir() });
    expect(c).toMatchObject({
      port: 3000,
      jwtExpiryHours: 24,
      jwtAlgorithm: 'HS256',
      accessTokenMinutes: 15,
      passwordMinLength: 8,
      accountLockoutAttempts: 5,
      lockoutDurationMinutes: 30,
      sessionTimeoutMinutes: 480,
      passwordPolicy: 'classic',
      passwordMaxAgeDays: 90,
      passwordHistoryCount: 5,
      requireMfaForAdmin: true,
      mfaEnrollmentGraceHours: 72,
      mfaIssuer: 'DotMac',
      mfaBackupCodesCount: 10,
      mfaTrustDays: 30,
      trustProxy: false,
      refreshReuseGraceSeconds: 0,
      rateLimitLoginPerMinute: 30,
      rateLimitPublicPerMinute: 60,
      auditRetentionDays: 365,
      bcryptRounds: 12,
      bootstrapAdmin: { username: 'admin', email: 'admin@localhost', password: undefined },
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['BCRYPT_ROUNDS', '3'],
    ['BCRYPT_ROUNDS', '31'],
    ['TRUST_PROXY', 'maybe'],
    ['PASSWORD_POLICY', 'fancy'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'not a url'],
    ['JWT_ALGORITHM', 'none'],
    ['ENCRYPTION_KEY', 'short'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), [name]: value })).toThrow(name);
  });

  it('refuses to start in production without real secrets', () => {
    const base = { NODE_ENV: 'production', DATA_DIR: dataDir() };
    expect(() => loadConfig(base)).toThrow('JWT_SECRET');
    expect(() => loadConfig({ ...base, JWT_SECRET: 'changeme' })).toThrow('JWT_SECRET');
    expect(() => loadConfig({ ...base, JWT_SECRET: 'k3y-'.repeat(10) })).toThrow('ENCRYPTION_KEY');
    expect(() => loadConfig({ ...base, JWT_SECRET: 'k3y-'.repeat(10), ENCRYPTION_KEY: HEX_KEY })).not.toThrow();
  });

  it('reads the asymmetric signing key from JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE, never both', () => {
    const dir = dataDir();
    const pem = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n';
    writeFileSync(join(dir, 'key.pem'), pem);
    const file = loadConfig({ DATA_DIR: dir, JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: join(dir, 'key.pem') });
    expect(file.jwtPrivateKeyPem).toBe(pem);
    const inline = loadConfig({ DATA_DIR: dir, JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: pem.replace(/\n/g, '\\n') });
    expect(inline.jwtPrivateKeyPem).toBe(pem);
    const both = {
      DATA_DIR: dir,
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: pem,
      JWT_PRIVATE_KEY_FILE: join(dir, 'key.pem'),
    };
    expect(() => loadConfig(both)).toThrow('JWT_PRIVATE_KEY');
    expect(() =>
      loadConfig({ DATA_DIR: dir, JWT_ALGORITHM: 'EdDSA', JWT_VERIFY_KEYS_FILE: join(dir, 'missing.pem') }),
    ).toThrow('JWT_VERIFY_KEYS_FILE');
    // A key pair with HS256 is a mistake worth stopping for: the operator believes tokens are signed with it.
    expect(() => loadConfig({ DATA_DIR: dir, JWT_PRIVATE_KEY: pem })).toThrow('JWT_PRIVATE_KEY');
  });

  it('refuses EdDSA/ES256 in production without a configured private key', () => {
    const base = {
      NODE_ENV: 'production',
      DATA_DIR: dataDir(),
      JWT_SECRET: 'k3y-'.repeat(10),
      ENCRYPTION_KEY: HEX_KEY,
    };
    expect(() => loadConfig({ ...base, JWT_ALGORITHM: 'ES256' })).toThrow('JWT_PRIVATE_KEY');
    expect(loadConfig({ ...base, JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: 'pem' }).jwtAlgorithm).toBe('ES256');
  });

  it('generates development secrets once and keeps them in DATA_DIR', () => {
    const dir = dataDir();
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.jwtSecret).toBe(b.jwtSecret);
    expect(a.encryptionKeys[0].key.equals(b.encryptionKeys[0].key)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).jwtSecret).toBe(a.jwtSecret);
  });

  it('records only the policy knobs set explicitly', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).policyEnv).toEqual({});
    expect(loadConfig({ DATA_DIR: dataDir(), ACCOUNT_LOCKOUT_ATTEMPTS: '3' }).policyEnv).toEqual({
      maxFailedAttempts: 3,
    });
  });
});

describe('parseEncryptionKeys', () => {
  it('reads one key as hex or base64', () => {
    expect(parseEncryptionKeys('K', HEX_KEY)[0]).toMatchObject({ id: 'k1' });
    expect(parseEncryptionKeys('K', Buffer.alloc(32, 7).toString('base64'))[0].key.length).toBe(32);
  });

  it('reads a rotation list, the first one encrypting', () => {
    const keys = parseEncryptionKeys('K', `new:${HEX_KEY},old:${'b'.repeat(64)}`);
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
  });

  it('refuses repeated ids', () => {
    expect(() => parseEncryptionKeys('K', `a:${HEX_KEY},a:${HEX_KEY}`)).toThrow('repeats');
  });
});
