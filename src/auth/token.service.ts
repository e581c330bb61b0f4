import { Injectable } from '@nestjs/common';
import type { SessionRestriction } from '../common/context/request-context';
import type { MaybePromise } from '../common/maybe-promise';
import type { UserType } from '../common/user-types';
import { AppConfig } from '../config/app-config';
import { PermissionResolver } from '../rbac/permission-resolver';
import { InvalidToken, SigningKeys, TOKEN_ISSUER } from './keys/signing-keys';

export { TOKEN_ISSUER };
export const TOKEN_AUDIENCE = 'dotmac-api';

export type TokenType = 'access' | 'mfa';

export interface AccessClaims {
  sub: string;
  tid: string;
  sid: string;
  typ: TokenType;
  /** The user type at issue time (for other services; this service reads it from the session). */
  utp?: UserType;
  /**
   * The user's effective permissions at issue time, space-separated (RFC 8693 `scope`), for services that
   * verify tokens with the JWKS alone. This service itself always resolves the current permissions.
   */
  scope?: string;
  /** Present when the session is restricted (expired password, overdue MFA enrolment). */
  rst?: SessionRestriction;
  iat: number;
  exp: number;
  aud: string;
  iss: string;
}

export interface AccessTokenSubject {
  userId: string;
  tenantId: string;
  userType: UserType;
  sessionId: string;
  sessionExpiresAt: Date;
  restriction?: SessionRestriction | null;
}

/** How many verified access tokens are remembered (about 1.5 KB each). */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Signs and verifies the service's access tokens with the configured key material (see SigningKeys).
 * A client sends the same access token with every request for its whole lifetime, so a token whose
 * signature, algorithm, audience and issuer were checked once is remembered (by its exact text) until it
 * expires: the next request only checks the expiry. Revocation is not the token's business: the session
 * check after this one decides, on every request.
 */
@Injectable()
export class TokenService {
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly config: AppConfig,
    private readonly keys: SigningKeys,
    private readonly permissions: PermissionResolver,
  ) {}

  /** A short-lived access token, never outliving its session. */
  async signAccess(o: AccessTokenSubject): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(Date.now() / 1000);
    const sessionLeft = Math.floor(o.sessionExpiresAt.getTime() / 1000) - now;
    const expiresIn = Math.max(1, Math.min(this.config.accessTokenMinutes * 60, sessionLeft));
    const permissions = await this.permissions.forUser(o.tenantId, o.userId, o.userType);
    const token = await this.keys.sign(
      {
        sub: o.userId,
        tid: o.tenantId,
        sid: o.sessionId,
        typ: 'access',
        utp: o.userType,
        scope: [...permissions].sort().join(' '),
        ...(o.restriction ? { rst: o.restriction } : {}),
      },
      { audience: TOKEN_AUDIENCE, expiresInSeconds: expiresIn },
    );
    return { token, expiresIn };
  }

  /**
   * The claims of a genuine, unexpired access token (signature, algorithm, kid, audience, issuer checked);
   * at once when the token was verified before.
   */
  verifyAccess(token: string): MaybePromise<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > Date.now()) return known;
      this.verified.delete(token);
    }
    return this.verifySignature(token);
  }

  private async verifySignature(token: string): Promise<AccessClaims> {
    const claims = await this.keys.verify(token, TOKEN_AUDIENCE);
    if (claims.typ !== 'access' || typeof claims.sid !== 'string' || typeof claims.tid !== 'string') {
      throw new InvalidToken('not an access token');
    }
    this.remember(token, claims as unknown as AccessClaims);
    return claims as unknown as AccessClaims;
  }

  private remember(token: string, claims: AccessClaims): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const now = Date.now();
      for (const [t, c] of this.verified) if (c.exp * 1000 <= now) this.verified.delete(t);
      // Still full of live tokens: forget the oldest tenth.
      if (this.verified.size >= VERIFIED_CACHE_SIZE) {
        let drop = VERIFIED_CACHE_SIZE / 10;
        for (const t of this.verified.keys()) {
          if (drop-- <= 0) break;
          this.verified.delete(t);
        }
      }
    }
    this.verified.set(token, Object.freeze(claims));
  }
}
