import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DOTMAC_PERMISSIONS, DOTMAC_PUBLIC } from './decorators';
import { DotmacTokenVerifier } from './token-verifier';
import type { AuthenticatedUser, Permission } from './types';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthenticatedUser;
}

/**
 * The global guard DotmacAuthModule installs, behaving like the service's own: routes need a valid access
 * token unless @Public(); @RequirePermissions() needs every permission listed (403 otherwise); a restricted
 * session (expired password, overdue MFA enrolment) is refused until the user has acted on the service.
 */
@Injectable()
export class DotmacAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: DotmacTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(DOTMAC_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<HttpRequest>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? /^bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!token) throw new UnauthorizedException('Authentication required');

    const { user, restriction } = await this.verifier.verify(token);
    request.user = user;
    if (restriction) {
      throw new ForbiddenException(
        restriction === 'password_change'
          ? 'The password has expired; change it on the user-management service first'
          : 'Multi-factor authentication must be set up on the user-management service first',
      );
    }
    const required = this.reflector.getAllAndOverride<Permission[] | undefined>(DOTMAC_PERMISSIONS, targets) ?? [];
    const missing = required.filter((p) => !user.permissions.has(p));
    if (missing.length) throw new ForbiddenException(`Missing permission: ${missing.join(', ')}`);
    return true;
  }
}
