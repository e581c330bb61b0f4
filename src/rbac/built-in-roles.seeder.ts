import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PERMISSIONS } from '../common/auth/permissions';
import { USER_TYPES } from '../common/user-types';
import { BUILT_IN_ROLE_DESCRIPTIONS, BUILT_IN_ROLE_PERMISSIONS } from './built-in-roles';
import { RolesRepository } from './roles.repository';

const BUILT_INS = USER_TYPES.map((name) => ({
  name,
  description: BUILT_IN_ROLE_DESCRIPTIONS[name],
  permissions: BUILT_IN_ROLE_PERMISSIONS[name],
}));

/**
 * Keeps the `permissions` table and every tenant's built-in roles in step with the code: at start (for
 * every tenant), when a tenant is created, and lazily for a tenant that appeared some other way (inserted
 * by SQL) the first time its roles are used. Every step is idempotent.
 */
@Injectable()
export class BuiltInRolesSeeder {
  private readonly seeded = new Set<string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly roles: RolesRepository,
  ) {}

  /** At start: the catalogue, then the built-in roles of every tenant. */
  async seedAll(manager: EntityManager): Promise<void> {
    await this.roles.syncCatalogue(manager, PERMISSIONS);
    await this.roles.seedBuiltIns(manager, BUILT_INS);
  }

  /** A new tenant's built-in roles, in the transaction that creates it. */
  async seedTenant(manager: EntityManager, tenantId: string): Promise<void> {
    await this.roles.seedBuiltIns(manager, BUILT_INS, tenantId);
    this.seeded.add(tenantId);
  }

  /** Makes sure the tenant has its built-in roles; asks the database once per tenant and process. */
  async ensureTenant(tenantId: string): Promise<void> {
    if (this.seeded.has(tenantId)) return;
    await this.dataSource.transaction((manager) => this.roles.seedBuiltIns(manager, BUILT_INS, tenantId));
    this.seeded.add(tenantId);
  }
}
