import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { TenantStatus } from './dto/tenant.dto';
import { Tenant } from './entities/tenant.entity';
import type { TenantSettings } from './tenant-settings';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class TenantsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager: EntityManager = this.dataSource.manager) {
    return manager.getRepository(Tenant);
  }

  /** A tenant named by its id or its slug. */
  findByRef(ref: string, manager?: EntityManager): Promise<Tenant | null> {
    return UUID.test(ref)
      ? this.repo(manager).findOneBy({ id: ref })
      : this.repo(manager).findOneBy({ slug: ref.toLowerCase() });
  }

  findBySlug(slug: string, manager: EntityManager = this.dataSource.manager): Promise<Tenant | null> {
    return manager.getRepository(Tenant).findOneBy({ slug });
  }

  insert(manager: EntityManager, tenant: Pick<Tenant, 'slug' | 'name' | 'settings'>): Promise<Tenant> {
    return manager.getRepository(Tenant).save(manager.getRepository(Tenant).create({ ...tenant, status: 'active' }));
  }

  async list(offset: number, limit: number, status?: TenantStatus): Promise<{ tenants: Tenant[]; total: number }> {
    const [tenants, total] = await this.repo().findAndCount({
      where: status ? { status } : {},
      order: { slug: 'ASC' },
      skip: offset,
      take: limit,
    });
    return { tenants, total };
  }

  /** Locks the tenant row for the rest of the transaction. */
  lock(manager: EntityManager, id: string): Promise<Tenant | null> {
    return this.repo(manager).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async update(
    manager: EntityManager,
    id: string,
    changes: { name?: string; status?: TenantStatus; settings?: TenantSettings },
  ): Promise<void> {
    const set: Partial<Tenant> = {};
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.status !== undefined) set.status = changes.status;
    if (changes.settings !== undefined) set.settings = changes.settings;
    if (Object.keys(set).length) await this.repo(manager).update({ id }, set);
  }
}
