import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Tenant } from './entities/tenant.entity';
import { EffectivePolicy, effectivePolicy } from './tenant-policy';
import { TenantResolver } from './tenant-resolver';

/**
 * The one place every feature reads a tenant's policy from. Cached with the tenant: the policy computed
 * for a tenant record lives as long as the resolver keeps that record, so a change of the tenant's
 * settings (which invalidates the resolver's entry) is seen at once.
 */
@Injectable()
export class TenantPolicyService {
  private readonly computed = new WeakMap<Tenant, EffectivePolicy>();
  private defaults: EffectivePolicy | undefined;

  constructor(
    private readonly tenants: TenantResolver,
    private readonly config: AppConfig,
  ) {}

  async policyFor(tenantId: string): Promise<EffectivePolicy> {
    const tenant = await this.tenants.resolve(tenantId);
    if (!tenant) return (this.defaults ??= this.compute({}));
    let policy = this.computed.get(tenant);
    if (!policy) {
      policy = this.compute(tenant.settings ?? {});
      this.computed.set(tenant, policy);
    }
    return policy;
  }

  private compute(settings: Tenant['settings']): EffectivePolicy {
    return effectivePolicy({ preset: this.config.passwordPolicy, env: this.config.policyEnv }, settings);
  }
}
