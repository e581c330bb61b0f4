import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Tenant } from './entities/tenant.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class TenantsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A tenant named by its id or its slug. */
  findByRef(ref: string): Promise<Tenant | null> {
    const repo = this.dataSource.getRepository(Tenant);
    return UUID.test(ref) ? repo.findOneBy({ id: ref }) : repo.findOneBy({ slug: ref.toLowerCase() });
  }

  findBySlug(slug: string, manager: EntityManager = this.dataSource.manager): Promise<Tenant | null> {
    return manager.getRepository(Tenant).findOneBy({ slug });
  }

  insert(manager: EntityManager, tenant: Pick<Tenant, 'slug' | 'name' | 'settings'>): Promise<Tenant> {
    return manager.getRepository(Tenant).save(manager.getRepository(Tenant).create({ ...tenant, status: 'active' }));
  }
}
