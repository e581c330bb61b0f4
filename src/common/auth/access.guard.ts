import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { type Principal, RequestContext } from '../context/request-context';
import { MaybePromise, chain } from '../maybe-promise';
import { Forbidden, NotAuthenticated } from '../errors/domain-errors';
import { AuthenticatorRegistry } from './authenticator';
import { ALLOWED_RESTRICTIONS, NO_API_KEY, PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from './decorators';

/** What a route declares about access, read once per handler (metadata does not change at run time). */
interface RoutePolicy {
  public: boolean;
  noApiKey: boolean;
  allowedRestrictions: readonly string[];
  required: readonly string[];
}

/**
 * The one guard every route passes through. Routes are authenticated unless marked @Public(); the caller
 * must hold every permission the route declares with @RequirePermissions().
 */
@Injectable()
export class AccessGuard implements CanActivate {
  /** By controller class, then handler (a handler inherited by two controllers may differ by class metadata). */
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly context: RequestContext,
    private readonly authenticators: AuthenticatorRegistry,
  ) {}

  canActivate(execution: ExecutionContext): MaybePromise<boolean> {
    const route = this.policyOf(execution);
    if (route.public) return true;
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    return chain(this.authenticators.authenticate(request), (principal) => this.admit(route, principal));
  }

  private admit(route: RoutePolicy, principal: Principal | undefined): boolean {
    if (!principal) throw new NotAuthenticated();
    this.context.principal = principal;

    if (principal.kind === 'api_key' && route.noApiKey) {
      throw new Forbidden('API keys cannot reach this route; sign in as the user');
    }
    if (principal.restriction) {
      if (!route.allowedRestrictions.includes(principal.restriction)) {
        throw new Forbidden(
          principal.restriction === 'password_change'
            ? 'Your password has expired; change it at /auth/password/change first'
            : 'Multi-factor authentication must be set up at /auth/mfa/setup first',
        );
      }
    }
    const missing = route.required.filter((p) => !principal.permissions.has(p));
    if (missing.length) throw new Forbidden(`Missing permission: ${missing.join(', ')}`);
    return true;
  }

  private policyOf(execution: ExecutionContext): RoutePolicy {
    const handler = execution.getHandler();
    const controller = execution.getClass();
    let byHandler = this.policies.get(controller);
    if (!byHandler) this.policies.set(controller, (byHandler = new WeakMap()));
    let policy = byHandler.get(handler);
    if (!policy) {
      const targets = [handler, controller];
      policy = {
        public: !!this.reflector.getAllAndOverride(PUBLIC_ROUTE, targets),
        noApiKey: !!this.reflector.getAllAndOverride(NO_API_KEY, targets),
        allowedRestrictions: this.reflector.getAllAndOverride(ALLOWED_RESTRICTIONS, targets) ?? [],
        required: this.reflector.getAllAndOverride(REQUIRED_PERMISSIONS, targets) ?? [],
      };
      byHandler.set(handler, policy);
    }
    return policy;
  }
}
