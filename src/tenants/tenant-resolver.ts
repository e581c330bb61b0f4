import { Injectable } from '@nestjs/common';
import { InvalidationBus } from '../cache/invalidation-bus';
import type { MaybePromise } from '../common/maybe-promise';
import { Tenant } from './entities/tenant.entity';
import { TenantsRepository } from './tenants.repository';

const TTL_MS = 30_000;

/**
 * Looks tenants up by id or slug for every request, from a short-lived in-process cache: tenants change
 * rarely, and a change invalidates the entry at once on every instance (through Redis when configured).
 */
@Injectable()
export class TenantResolver {
  private readonly cache = new Map<string, { tenant: Tenant | null; expires: number }>();

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly bus: InvalidationBus,
  ) {
    bus.on('tenant', (keys) => this.forget(keys));
  }

  /** At once when cached (as almost always). */
  resolve(ref: string): MaybePromise<Tenant | null> {
    const key = ref.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.tenant;
    return this.load(key, ref);
  }

  private async load(key: string, ref: string): Promise<Tenant | null> {
    const tenant = await this.tenants.findByRef(ref);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { tenant, expires: Date.now() + TTL_MS });
    return tenant;
  }

  /** Forgets a changed tenant, on every instance. */
  invalidate(tenant: Pick<Tenant, 'id' | 'slug'>): void {
    this.bus.publish('tenant', `${tenant.id.toLowerCase()} ${tenant.slug.toLowerCase()}`);
  }

  private forget(keys: string): void {
    for (const key of keys.split(' ')) this.cache.delete(key);
  }
}
