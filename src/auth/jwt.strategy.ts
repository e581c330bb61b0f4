import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Principal } from '../common/context/request-context';
import { NotAuthenticated } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { PermissionResolver } from '../rbac/permission-resolver';
import { SessionsService } from '../sessions/sessions.service';
import { AccessClaims, TOKEN_AUDIENCE, TOKEN_ISSUER } from './token.service';

/**
 * Access tokens: signature, algorithm, audience, issuer and expiry checked by passport-jwt; then the
 * session must still be alive (logout, revocation, suspension and password change end it at once).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly permissions: PermissionResolver,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: ['HS256'],
      audience: TOKEN_AUDIENCE,
      issuer: TOKEN_ISSUER,
      ignoreExpiration: false,
    });
  }

  async validate(claims: AccessClaims): Promise<Principal> {
    if (claims.typ !== 'access' || typeof claims.sid !== 'string' || typeof claims.sub !== 'string') {
      throw new NotAuthenticated('Invalid token');
    }
    const live = await this.sessions.check(claims.sid);
    if (!live || live.userId !== claims.sub || live.tenantId !== claims.tid) {
      throw new NotAuthenticated('The session has ended; sign in again');
    }
    return {
      kind: 'user',
      userId: live.userId,
      homeTenantId: live.tenantId,
      userType: live.userType,
      sessionId: live.sessionId,
      permissions: await this.permissions.forUser(live.tenantId, live.userId, live.userType),
      restriction: live.restriction ?? undefined,
    };
  }
}
