import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { type Principal, RequestContext } from '../common/context/request-context';
import { MaybePromise, chain } from '../common/maybe-promise';
import { Forbidden, NotFound } from '../common/errors/domain-errors';
import { PLATFORM_USER_TYPES } from '../common/user-types';
import { AuditService } from '../audit/audit.service';
import { TenantResolver } from './tenant-resolver';

export const DEFAULT_TENANT_SLUG = 'default';

/**
 * Decides which tenant a request acts in, before any handler runs:
 * - unauthenticated: the tenant named by `X-Tenant-ID` (id or slug), else `default`;
 * - authenticated: the tenant of the token or key; an `X-Tenant-ID` naming another tenant is 403, except
 *   for platform admins, who act in it, and every such crossing is audited as `tenant.access`.
 */
@Injectable()
export class TenantInterceptor implements NestInterceptor {
  constructor(
    private readonly context: RequestContext,
    private readonly tenants: TenantResolver,
    private readonly audit: AuditService,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): MaybePromise<Observable<unknown>> {
    if (execution.getType() !== 'http') return next.handle();
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['x-tenant-id'];
    const ref = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
    const principal = this.context.principal;

    if (!principal) {
      return chain(this.tenants.resolve(ref ?? DEFAULT_TENANT_SLUG), (tenant) => {
        if (!tenant) throw new NotFound('Tenant');
        this.context.tenantId = tenant.id;
        return next.handle();
      });
    }
    if (!ref) {
      this.context.tenantId = principal.homeTenantId;
      return next.handle();
    }
    return this.actIn(ref, principal, request).then(() => next.handle());
  }

  /** An authenticated request naming a tenant: its own, or (platform admins only, audited) another. */
  private async actIn(ref: string, principal: Principal, request: FastifyRequest): Promise<void> {
    const isPlatform = PLATFORM_USER_TYPES.includes(principal.userType) && principal.kind === 'user';
    const tenant = await this.tenants.resolve(ref);
    if (tenant?.id === principal.homeTenantId) {
      this.context.tenantId = tenant.id;
      return;
    }
    if (!isPlatform) throw new Forbidden('X-Tenant-ID names a tenant other than your own');
    if (!tenant) throw new NotFound('Tenant');
    this.context.tenantId = tenant.id;
    await this.audit.record({
      tenantId: tenant.id,
      action: 'tenant.access',
      targetId: tenant.id,
      targetType: 'tenant',
      metadata: { homeTenantId: principal.homeTenantId, method: request.method, route: request.routeOptions.url },
    });
  }
}
