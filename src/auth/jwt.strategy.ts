import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/context/request-context';
import { MaybePromise, chain } from '../common/maybe-promise';
import { NotAuthenticated } from '../common/errors/domain-errors';
import { PermissionResolver } from '../rbac/permission-resolver';
import { SessionsService } from '../sessions/sessions.service';
import { InvalidToken } from './keys/signing-keys';
import { AccessClaims, TokenService } from './token.service';

/**
 * Access tokens: signature, algorithm (pinned; the key picked by `kid`), audience, issuer and expiry checked
 * by TokenService; then the session must still be alive (logout, revocation, suspension and password
 * change end it at once). Not a passport strategy: passport-jwt verifies with jsonwebtoken, which has no
 * EdDSA.
 */
@Injectable()
export class JwtStrategy {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly permissions: PermissionResolver,
  ) {}

  authenticate(token: string): MaybePromise<Principal> {
    const claims = this.tokens.verifyAccess(token);
    if (!(claims instanceof Promise)) return this.validate(claims);
    return claims.then(
      (verified) => this.validate(verified),
      (err: unknown) => {
        throw err instanceof InvalidToken ? new NotAuthenticated('Invalid or expired token') : err;
      },
    );
  }

  validate(claims: AccessClaims): MaybePromise<Principal> {
    if (claims.typ !== 'access' || typeof claims.sid !== 'string' || typeof claims.sub !== 'string') {
      throw new NotAuthenticated('Invalid token');
    }
    return chain(this.sessions.check(claims.sid), (live) => {
      if (!live || live.userId !== claims.sub || live.tenantId !== claims.tid) {
        throw new NotAuthenticated('The session has ended; sign in again');
      }
      return chain(this.permissions.forUser(live.tenantId, live.userId, live.userType), (permissions): Principal => ({
        kind: 'user',
        userId: live.userId,
        homeTenantId: live.tenantId,
        userType: live.userType,
        sessionId: live.sessionId,
        permissions,
        restriction: live.restriction ?? undefined,
      }));
    });
  }
}
