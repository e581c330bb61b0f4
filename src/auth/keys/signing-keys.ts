import { Injectable } from '@nestjs/common';
import { type JWTHeaderParameters, type JWTPayload, SignJWT, jwtVerify } from 'jose';
import type { KeyObject } from 'node:crypto';
import { AppConfig, ConfigError, type JwtAlgorithm } from '../../config/app-config';
import { loadDevKeyRing, rotateDevKeyRing } from './dev-key-ring';
import {
  KeyMaterialError,
  type PublicJwk,
  type SigningKey,
  hmacKey,
  parsePrivateKeyPem,
  parsePublicKeysPem,
  publicJwk,
} from './signing-key';

/** `iss` of every token this service signs. */
export const TOKEN_ISSUER = 'dotmac-user-management';

/**
 * How long a retired key keeps verifying after it stopped signing: the longest token lifetime it may have
 * signed (the access token's; an mfaToken lives 5 minutes) plus this margin for clock skew.
 */
const RETENTION_MARGIN_MS = 5 * 60_000;

export class InvalidToken extends Error {}

/**
 * The key material behind every JWT the service signs (access tokens, mfaTokens): the `JWT_SECRET` with
 * HS256, or a ring of asymmetric keys with EdDSA/ES256 — the first signs (its `kid` in the header), the
 * others only verify (a retired key until its tokens have expired; keys from `JWT_VERIFY_KEYS`). The
 * public keys are published at /.well-known/jwks.json.
 *
 * Verification pins the algorithm to the ring's and picks the key by `kid`: a token with another `alg`,
 * `alg: none`, an unknown `kid`, or an HS256 token when the ring is asymmetric (and the reverse) is refused.
 */
@Injectable()
export class SigningKeys {
  private ring: SigningKey[];
  private readonly retentionMs: number;
  private readonly fromEnvironment: boolean;

  constructor(private readonly config: AppConfig) {
    this.retentionMs = config.accessTokenMinutes * 60_000 + RETENTION_MARGIN_MS;
    this.fromEnvironment = config.jwtPrivateKeyPem !== undefined;
    this.ring = this.load();
  }

  get algorithm(): JwtAlgorithm {
    return this.config.jwtAlgorithm;
  }

  /** The key that signs now. */
  get current(): SigningKey {
    return this.ring[0];
  }

  async sign(claims: JWTPayload, o: { audience: string; expiresInSeconds: number }): Promise<string> {
    const key = this.current;
    const header: JWTHeaderParameters = { alg: key.alg, typ: 'JWT', ...(key.kid ? { kid: key.kid } : {}) };
    return new SignJWT(claims)
      .setProtectedHeader(header)
      .setIssuedAt()
      .setExpirationTime(`${o.expiresInSeconds}s`)
      .setAudience(o.audience)
      .setIssuer(TOKEN_ISSUER)
      .sign(key.privateKey!);
  }

  /** The verified claims; throws InvalidToken for anything else (bad signature, alg, kid, audience, expiry). */
  async verify(token: string, audience: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.verificationKey(header), {
        algorithms: [...new Set(this.usableKeys().map((k) => k.alg))],
        audience,
        issuer: TOKEN_ISSUER,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      return payload;
    } catch (err) {
      throw new InvalidToken(err instanceof Error ? err.message : 'invalid token');
    }
  }

  /** The JWKS: the public keys that may have signed a token still valid. Empty with HS256 (never published). */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.usableKeys().flatMap((k) => publicJwk(k) ?? []) };
  }

  /**
   * Development key ring only: a new signing key; the current one keeps verifying until its tokens have
   * expired. With keys from the environment, rotation is a configuration change (see the README).
   */
  rotate(now = new Date()): SigningKey {
    if (this.algorithm === 'HS256' || this.fromEnvironment) {
      throw new Error('Only the development key ring rotates in-process; rotate JWT_PRIVATE_KEY in the environment');
    }
    this.ring = rotateDevKeyRing(this.config.dataDir, this.algorithm, now);
    return this.current;
  }

  private verificationKey(header: JWTHeaderParameters): KeyObject {
    const key = this.usableKeys().find((k) => k.kid === header.kid);
    if (!key) throw new InvalidToken('unknown kid');
    if (key.alg !== header.alg) throw new InvalidToken('the kid names a key of another algorithm');
    return key.verifyKey;
  }

  private usableKeys(now = Date.now()): SigningKey[] {
    return this.ring.filter((k) => !k.retiredAt || k.retiredAt.getTime() + this.retentionMs > now);
  }

  private load(): SigningKey[] {
    const { jwtAlgorithm: alg, jwtPrivateKeyPem, jwtVerifyKeysPem } = this.config;
    if (alg === 'HS256') return [hmacKey(this.config.jwtSecret)];
    const ring: SigningKey[] = [];
    try {
      if (jwtPrivateKeyPem) ring.push(parsePrivateKeyPem(jwtPrivateKeyPem, alg));
      else ring.push(...loadDevKeyRing(this.config.dataDir, alg, this.retentionMs));
    } catch (err) {
      if (err instanceof KeyMaterialError) throw new ConfigError('JWT_PRIVATE_KEY', err.message);
      throw err;
    }
    try {
      if (jwtVerifyKeysPem) ring.push(...parsePublicKeysPem(jwtVerifyKeysPem));
    } catch (err) {
      if (err instanceof KeyMaterialError) throw new ConfigError('JWT_VERIFY_KEYS', err.message);
      throw err;
    }
    return ring.filter((key, i) => ring.findIndex((k) => k.kid === key.kid) === i);
  }
}
