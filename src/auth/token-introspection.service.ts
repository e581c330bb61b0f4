import { Injectable } from '@nestjs/common';
import { RequestContext } from '../common/context/request-context';
import { Forbidden } from '../common/errors/domain-errors';
import { PLATFORM_USER_TYPES } from '../common/user-types';
import { PermissionResolver } from '../rbac/permission-resolver';
import { SessionsService } from '../sessions/sessions.service';
import { UsersRepository } from '../users/users.repository';
import type { IntrospectionDto } from './dto/introspection.dto';
import { InvalidToken } from './keys/signing-keys';
import { AccessClaims, TokenService } from './token.service';

const INACTIVE: IntrospectionDto = { active: false };

/**
 * RFC 7662 for the services that sit behind this one: the same checks as the service's own guard
 * (signature, expiry, live session, active user), so a logout or a suspension shows at once, and the
 * user's permissions as they are now.
 */
@Injectable()
export class TokenIntrospectionService {
  constructor(
    private readonly context: RequestContext,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly users: UsersRepository,
    private readonly permissions: PermissionResolver,
  ) {}

  async introspect(token: string): Promise<IntrospectionDto> {
    const caller = this.context.requirePrincipal();
    if (caller.kind !== 'api_key') {
      throw new Forbidden(
        'Token introspection is for services: call it with an API key (X-API-Key) with tokens:introspect',
      );
    }
    let claims: AccessClaims;
    try {
      claims = await this.tokens.verifyAccess(token);
    } catch (err) {
      if (err instanceof InvalidToken) return INACTIVE;
      throw err;
    }
    // A tenant's service sees its own tenant's tokens only; a platform admin's key sees every tenant's.
    if (claims.tid !== caller.homeTenantId && !PLATFORM_USER_TYPES.includes(caller.userType)) return INACTIVE;

    const live = await this.sessions.check(claims.sid);
    if (!live || live.userId !== claims.sub || live.tenantId !== claims.tid) return INACTIVE;
    const user = await this.users.findById(live.tenantId, live.userId);
    if (user?.status !== 'active') return INACTIVE;
    const permissions = [...(await this.permissions.forUser(live.tenantId, live.userId, live.userType))].sort();
    return {
      active: true,
      sub: claims.sub,
      tid: claims.tid,
      sid: claims.sid,
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      aud: claims.aud,
      tokenType: 'Bearer',
      scope: permissions.join(' '),
      permissions,
      username: user.username,
      userType: user.userType,
      ...(live.restriction ? { restriction: live.restriction } : {}),
    };
  }
}
