import { Injectable } from '@nestjs/common';
import type { SessionRestriction } from '../common/context/request-context';
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

/** Signs and verifies the service's access tokens with the configured key material (see SigningKeys). */
@Injectable()
export class TokenService {
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

  /** The claims of a genuine, unexpired access token (signature, algorithm, kid, audience, issuer checked). */
  async verifyAccess(token: string): Promise<AccessClaims> {
    const claims = await this.keys.verify(token, TOKEN_AUDIENCE);
    if (claims.typ !== 'access' || typeof claims.sid !== 'string' || typeof claims.tid !== 'string') {
      throw new InvalidToken('not an access token');
    }
    return claims as unknown as AccessClaims;
  }
}
