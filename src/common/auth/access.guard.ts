import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { RequestContext } from '../context/request-context';
import { Forbidden, NotAuthenticated } from '../errors/domain-errors';
import { AuthenticatorRegistry } from './authenticator';
import { ALLOWED_RESTRICTIONS, NO_API_KEY, PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from './decorators';

/**
 * The one guard every route passes through. Routes are authenticated unless marked @Public(); the caller
 * must hold every permission the route declares with @RequirePermissions().
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly context: RequestContext,
    private readonly authenticators: AuthenticatorRegistry,
  ) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const targets = [execution.getHandler(), execution.getClass()];
    if (this.reflector.getAllAndOverride(PUBLIC_ROUTE, targets)) return true;

    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticators.authenticate(request);
    if (!principal) throw new NotAuthenticated();
    this.context.principal = principal;

    if (principal.kind === 'api_key' && this.reflector.getAllAndOverride(NO_API_KEY, targets)) {
      throw new Forbidden('API keys cannot reach this route; sign in as the user');
    }
    if (principal.restriction) {
      const allowed = this.reflector.getAllAndOverride(ALLOWED_RESTRICTIONS, targets) ?? [];
      if (!allowed.includes(principal.restriction)) {
        throw new Forbidden(
          principal.restriction === 'password_change'
            ? 'Your password has expired; change it at /auth/password/change first'
            : 'Multi-factor authentication must be set up at /auth/mfa/setup first',
        );
      }
    }
    const required = this.reflector.getAllAndOverride(REQUIRED_PERMISSIONS, targets) ?? [];
    const missing = required.filter((p) => !principal.permissions.has(p));
    if (missing.length) throw new Forbidden(`Missing permission: ${missing.join(', ')}`);
    return true;
  }
}
