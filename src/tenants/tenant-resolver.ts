import { Injectable } from '@nestjs/common';
import { Tenant } from './entities/tenant.entity';
import { TenantsRepository } from './tenants.repository';

const TTL_MS = 30_000;

/**
 * Looks tenants up by id or slug for every request, from a short-lived in-process cache: tenants change
 * rarely, and a change made here invalidates the entry at once.
 */
@Injectable()
export class TenantResolver {
  private readonly cache = new Map<string, { tenant: Tenant | null; expires: number }>();

  constructor(private readonly tenants: TenantsRepository) {}

  async resolve(ref: string): Promise<Tenant | null> {
    const key = ref.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.tenant;
    const tenant = await this.tenants.findByRef(ref);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { tenant, expires: Date.now() + TTL_MS });
    return tenant;
  }

  invalidate(tenant: Pick<Tenant, 'id' | 'slug'>): void {
    this.cache.delete(tenant.id.toLowerCase());
    this.cache.delete(tenant.slug.toLowerCase());
  }
}
