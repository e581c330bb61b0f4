import {
  KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
} from 'node:crypto';
import type { JwtAlgorithm } from '../../config/app-config';

export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>;

/** One key of the ring. `privateKey` is absent for keys that only verify (the previous or next key). */
export interface SigningKey {
  /** `kid` in the JWT header and the JWKS; undefined for the HS256 secret (it is never published). */
  kid: string | undefined;
  alg: JwtAlgorithm;
  /** Signs: the private key, or the HS256 secret. */
  privateKey?: KeyObject;
  /** Verifies: the public key, or the HS256 secret. */
  verifyKey: KeyObject;
  /** For keys retired from signing: when, so they can be dropped once every token they signed has expired. */
  retiredAt?: Date;
}

/** A public key as the JWKS publishes it (RFC 7517), `use: sig`. */
export interface PublicJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  y?: string;
  kid: string;
  alg: AsymmetricAlgorithm;
  use: 'sig';
}

export class KeyMaterialError extends Error {}

export function hmacKey(secret: string): SigningKey {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return { kid: undefined, alg: 'HS256', privateKey: key, verifyKey: key };
}

/** The algorithm a public key can verify: Ed25519 → EdDSA, P-256 → ES256; anything else is refused. */
export function algorithmOf(publicKey: KeyObject): AsymmetricAlgorithm {
  if (publicKey.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (publicKey.asymmetricKeyType === 'ec' && publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ES256';
  throw new KeyMaterialError(
    `unsupported key type ${publicKey.asymmetricKeyType ?? 'unknown'}: use Ed25519 (EdDSA) or P-256 (ES256)`,
  );
}

/** RFC 7638 thumbprint of the public key: the same key gets the same `kid` on every instance. */
export function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members =
    jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export function publicJwk(key: SigningKey): PublicJwk | undefined {
  if (key.alg === 'HS256' || !key.kid) return undefined;
  const jwk = key.verifyKey.export({ format: 'jwk' });
  return {
    kty: jwk.kty as PublicJwk['kty'],
    crv: jwk.crv as PublicJwk['crv'],
    x: jwk.x!,
    ...(jwk.y ? { y: jwk.y } : {}),
    kid: key.kid,
    alg: key.alg,
    use: 'sig',
  };
}

export function asymmetricKey(privateKey: KeyObject, expected?: AsymmetricAlgorithm): SigningKey {
  const verifyKey = createPublicKey(privateKey);
  const alg = algorithmOf(verifyKey);
  if (expected && alg !== expected) {
    throw new KeyMaterialError(`is a ${alg} key but JWT_ALGORITHM is ${expected}`);
  }
  return { kid: thumbprint(verifyKey), alg, privateKey, verifyKey };
}

export function verifyOnlyKey(publicKey: KeyObject, retiredAt?: Date): SigningKey {
  return { kid: thumbprint(publicKey), alg: algorithmOf(publicKey), verifyKey: publicKey, retiredAt };
}

export function generateKey(alg: AsymmetricAlgorithm): SigningKey {
  const { privateKey } =
    alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return asymmetricKey(privateKey, alg);
}

export function parsePrivateKeyPem(pem: string, expected: AsymmetricAlgorithm): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new KeyMaterialError('is not a PEM private key (PKCS#8 "BEGIN PRIVATE KEY" or SEC1 "BEGIN EC PRIVATE KEY")');
  }
  return asymmetricKey(key, expected);
}

/** Every PEM block of a text (one public key per block; SPKI "BEGIN PUBLIC KEY"). */
export function parsePublicKeysPem(text: string): SigningKey[] {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g);
  if (!blocks) throw new KeyMaterialError('holds no "BEGIN PUBLIC KEY" PEM block');
  return blocks.map((block) => {
    try {
      return verifyOnlyKey(createPublicKey(block));
    } catch (err) {
      if (err instanceof KeyMaterialError) throw err;
      throw new KeyMaterialError('holds a PEM block that is not a public key');
    }
  });
}

export function privateKeyPem(key: SigningKey): string {
  if (!key.privateKey) throw new KeyMaterialError('has no private key');
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function publicKeyPem(key: SigningKey): string {
  return key.verifyKey.export({ format: 'pem', type: 'spki' }).toString();
}
