import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EffectivePolicy, effectivePolicy } from './tenant-policy';
import { TenantResolver } from './tenant-resolver';

/** The one place every feature reads a tenant's policy from (cached with the tenant). */
@Injectable()
export class TenantPolicyService {
  constructor(
    private readonly tenants: TenantResolver,
    private readonly config: AppConfig,
  ) {}

  async policyFor(tenantId: string): Promise<EffectivePolicy> {
    const tenant = await this.tenants.resolve(tenantId);
    return effectivePolicy({ preset: this.config.passwordPolicy, env: this.config.policyEnv }, tenant?.settings ?? {});
  }
}
