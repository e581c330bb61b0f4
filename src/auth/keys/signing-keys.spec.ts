import { SignJWT, decodeProtectedHeader } from 'jose';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config/app-config';
import { MFA_TOKEN_AUDIENCE, MfaTokenService } from '../../mfa/mfa-token.service';
import { DEV_KEY_RING_FILE } from './dev-key-ring';
import { generateKey, privateKeyPem, publicKeyPem } from './signing-key';
import { InvalidToken, SigningKeys, TOKEN_ISSUER } from './signing-keys';

const AUD = 'dotmac-api';
const dataDir = () => mkdtempSync(join(tmpdir(), 'dm-keys-'));
const keysFor = (env: Record<string, string>) => new SigningKeys(loadConfig({ DATA_DIR: dataDir(), ...env }));
const claims = { sub: 'u1', tid: 't1', sid: 's1', typ: 'access' };
const sign = (keys: SigningKeys) => keys.sign(claims, { audience: AUD, expiresInSeconds: 600 });
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function refused(keys: SigningKeys, token: string): Promise<void> {
  await expect(keys.verify(token, AUD)).rejects.toBeInstanceOf(InvalidToken);
}

describe('SigningKeys', () => {
  describe('HS256 (the default)', () => {
    it('signs with JWT_SECRET, without a kid, and publishes no key', async () => {
      const keys = keysFor({ JWT_SECRET: 'a-long-enough-secret-for-tests' });
      const token = await sign(keys);
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
      await expect(keys.verify(token, AUD)).resolves.toMatchObject({ ...claims, iss: TOKEN_ISSUER, aud: AUD });
      expect(keys.jwks()).toEqual({ keys: [] });
    });

    it('refuses a token with a kid, another HMAC algorithm, the wrong audience, or alg none', async () => {
      const secret = new TextEncoder().encode('a-long-enough-secret-for-tests');
      const keys = keysFor({ JWT_SECRET: 'a-long-enough-secret-for-tests' });
      const build = (alg: string, kid?: string) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
          .setIssuedAt()
          .setExpirationTime('5m')
          .setAudience(AUD)
          .setIssuer(TOKEN_ISSUER)
          .sign(secret);
      await expect(keys.verify(await build('HS256'), AUD)).resolves.toBeDefined();
      await refused(keys, await build('HS256', 'some-kid'));
      await refused(keys, await build('HS512'));
      await expect(keys.verify(await sign(keys), 'another-audience')).rejects.toBeInstanceOf(InvalidToken);
      const [, payload] = (await sign(keys)).split('.');
      await refused(keys, `${b64({ alg: 'none' })}.${payload}.`);
    });
  });

  describe.each(['EdDSA', 'ES256'] as const)('%s', (alg) => {
    it('generates a key pair into DATA_DIR once and signs with its kid', async () => {
      const dir = dataDir();
      const keys = new SigningKeys(loadConfig({ DATA_DIR: dir, JWT_ALGORITHM: alg }));
      const token = await sign(keys);
      const header = decodeProtectedHeader(token);
      expect(header).toEqual({ alg, typ: 'JWT', kid: keys.current.kid });
      expect(statSync(join(dir, DEV_KEY_RING_FILE)).mode & 0o777).toBe(0o600);

      // A restart reads the same key: its tokens still verify.
      const restarted = new SigningKeys(loadConfig({ DATA_DIR: dir, JWT_ALGORITHM: alg }));
      expect(restarted.current.kid).toBe(keys.current.kid);
      await expect(restarted.verify(token, AUD)).resolves.toMatchObject(claims);

      const [jwk] = keys.jwks().keys;
      expect(jwk).toMatchObject({ kid: header.kid, alg, use: 'sig', kty: alg === 'EdDSA' ? 'OKP' : 'EC' });
      expect(jwk).not.toHaveProperty('d');
      expect(keys.jwks().keys).toHaveLength(1);
    });

    it('refuses an HS256 token made with the public key as the HMAC secret (algorithm confusion)', async () => {
      const keys = keysFor({ JWT_ALGORITHM: alg });
      const [h, p] = (await sign(keys)).split('.');
      const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString()), alg: 'HS256' };
      const input = `${b64(header)}.${p}`;
      const mac = createHmac('sha256', publicKeyPem(keys.current)).update(input).digest('base64url');
      await refused(keys, `${input}.${mac}`);
      await refused(keys, `${b64({ alg: 'none', kid: keys.current.kid })}.${p}.`);
    });

    it('refuses an unknown kid, a foreign key claiming our kid, and a tampered payload', async () => {
      const keys = keysFor({ JWT_ALGORITHM: alg });
      const foreign = generateKey(alg);
      const build = (kid: string | undefined) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
          .setIssuedAt()
          .setExpirationTime('5m')
          .setAudience(AUD)
          .setIssuer(TOKEN_ISSUER)
          .sign(foreign.privateKey!);
      await refused(keys, await build(foreign.kid));
      await refused(keys, await build(keys.current.kid));
      await refused(keys, await build(undefined));
      const [h, , s] = (await sign(keys)).split('.');
      await refused(keys, `${h}.${b64({ ...claims, sub: 'someone-else' })}.${s}`);
    });

    it('rotates: the previous key verifies until its tokens have expired, then it is gone', async () => {
      const keys = keysFor({ JWT_ALGORITHM: alg, ACCESS_TOKEN_MINUTES: '15' });
      const before = keys.current.kid;
      const old = await sign(keys);

      keys.rotate();
      const fresh = await sign(keys);
      expect(decodeProtectedHeader(fresh).kid).not.toBe(before);
      expect(keys.jwks().keys.map((k) => k.kid)).toEqual([keys.current.kid, before]);
      await expect(keys.verify(old, AUD)).resolves.toMatchObject(claims);
      await expect(keys.verify(fresh, AUD)).resolves.toMatchObject(claims);

      // A key retired 21 minutes ago: every 15-minute token it signed has expired (5 minutes of margin).
      const freshKid = keys.current.kid;
      keys.rotate(new Date(Date.now() - 21 * 60_000));
      expect(keys.jwks().keys.map((k) => k.kid)).toEqual([keys.current.kid, before]);
      expect(keys.jwks().keys.map((k) => k.kid)).not.toContain(freshKid);
      await refused(keys, fresh);
      await expect(keys.verify(old, AUD)).resolves.toMatchObject(claims);
    });
  });

  describe('keys from the environment', () => {
    it('signs with JWT_PRIVATE_KEY and also verifies with the keys of JWT_VERIFY_KEYS', async () => {
      const previous = generateKey('EdDSA');
      const next = generateKey('ES256');
      const before = new SigningKeys(
        loadConfig({ DATA_DIR: dataDir(), JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: privateKeyPem(previous) }),
      );
      const oldToken = await sign(before);
      expect(decodeProtectedHeader(oldToken).kid).toBe(previous.kid);

      const after = new SigningKeys(
        loadConfig({
          DATA_DIR: dataDir(),
          JWT_ALGORITHM: 'ES256',
          // One-line env values carry their newlines escaped.
          JWT_PRIVATE_KEY: privateKeyPem(next).replace(/\n/g, '\\n'),
          JWT_VERIFY_KEYS: publicKeyPem(previous),
        }),
      );
      expect(after.jwks().keys.map((k) => [k.kid, k.alg])).toEqual([
        [next.kid, 'ES256'],
        [previous.kid, 'EdDSA'],
      ]);
      await expect(after.verify(oldToken, AUD)).resolves.toMatchObject(claims);
      expect(decodeProtectedHeader(await sign(after)).kid).toBe(next.kid);
      expect(() => after.rotate()).toThrow(/environment/);
    });

    it('refuses a key of the wrong type or something that is not a key, naming the variable', () => {
      const ec = privateKeyPem(generateKey('ES256'));
      expect(() => keysFor({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: ec })).toThrow(ConfigError);
      expect(() => keysFor({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: ec })).toThrow(/JWT_PRIVATE_KEY.*ES256/);
      expect(() => keysFor({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: 'not a key' })).toThrow(/JWT_PRIVATE_KEY/);
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
      expect(() => keysFor({ JWT_ALGORITHM: 'EdDSA', JWT_VERIFY_KEYS: rsa.toString() })).toThrow(
        /JWT_VERIFY_KEYS.*unsupported/,
      );
      expect(() => keysFor({ JWT_ALGORITHM: 'EdDSA', JWT_VERIFY_KEYS: 'nothing' })).toThrow(/JWT_VERIFY_KEYS/);
    });
  });

  describe('mfaTokens', () => {
    it('are signed with the same key material and never pass as access tokens (nor the reverse)', async () => {
      const keys = keysFor({ JWT_ALGORITHM: 'EdDSA' });
      const mfa = new MfaTokenService(keys);
      const { token } = await mfa.sign({ userId: 'u1', tenantId: 't1' });
      expect(decodeProtectedHeader(token).kid).toBe(keys.current.kid);
      await expect(mfa.verify(token)).resolves.toEqual({ userId: 'u1', tenantId: 't1' });
      await refused(keys, token);
      await expect(mfa.verify(await sign(keys))).rejects.toThrow(/MFA token/);
      await expect(keys.verify(token, MFA_TOKEN_AUDIENCE)).resolves.toMatchObject({ typ: 'mfa' });
    });
  });

  it('keeps the ring file private and holds no key of another algorithm as the signing key', () => {
    const dir = dataDir();
    const ed = new SigningKeys(loadConfig({ DATA_DIR: dir, JWT_ALGORITHM: 'EdDSA' }));
    const es = new SigningKeys(loadConfig({ DATA_DIR: dir, JWT_ALGORITHM: 'ES256' }));
    expect(es.current.alg).toBe('ES256');
    // Switching the algorithm retires the EdDSA key; it still verifies its own tokens for a while.
    expect(es.jwks().keys.map((k) => k.kid)).toEqual([es.current.kid, ed.current.kid]);
    const ring = JSON.parse(readFileSync(join(dir, DEV_KEY_RING_FILE), 'utf8'));
    expect(ring.keys.map((k: { alg: string; retiredAt?: string }) => [k.alg, !!k.retiredAt])).toEqual([
      ['ES256', false],
      ['EdDSA', true],
    ]);
  });
});
