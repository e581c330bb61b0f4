import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { BusinessRuleViolation, Conflict, NotFound } from '../common/errors/domain-errors';
import { type Page, pageOf } from '../common/http/page';
import { BuiltInRolesSeeder } from '../rbac/built-in-roles.seeder';
import { SessionsService } from '../sessions/sessions.service';
import type { CreateTenantDto, ListTenantsQueryDto, TenantDto, UpdateTenantDto } from './dto/tenant.dto';
import type { Tenant } from './entities/tenant.entity';
import { TenantResolver } from './tenant-resolver';
import type { TenantSettings } from './tenant-settings';
import { toTenantDto } from './tenants.mapper';
import { TenantsRepository } from './tenants.repository';

/** A validated settings DTO as plain JSON: no class prototype, no keys left undefined. */
function plainSettings(settings: TenantSettings | undefined): TenantSettings {
  return JSON.parse(JSON.stringify(settings ?? {})) as TenantSettings;
}

/**
 * Tenant administration for platform admins (`tenants:manage` is effective for platform user types only).
 * Audit entries of a tenant go into that tenant's own trail.
 */
@Injectable()
export class TenantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tenants: TenantsRepository,
    private readonly resolver: TenantResolver,
    private readonly builtInRoles: BuiltInRolesSeeder,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  async create(dto: CreateTenantDto): Promise<TenantDto> {
    const tenant = await this.dataSource.transaction(async (manager) => {
      if (await this.tenants.findBySlug(dto.slug, manager))
        throw new Conflict(`A tenant with slug "${dto.slug}" exists`);
      const created = await this.tenants.insert(manager, {
        slug: dto.slug,
        name: dto.name,
        settings: plainSettings(dto.settings),
      });
      await this.builtInRoles.seedTenant(manager, created.id);
      await this.audit.record(
        {
          tenantId: created.id,
          action: 'tenant.created',
          targetId: created.id,
          targetType: 'tenant',
          metadata: { slug: created.slug },
        },
        manager,
      );
      return created;
    });
    // A lookup of this slug may have been cached as "no such tenant" before it existed.
    this.resolver.invalidate(tenant);
    return toTenantDto((await this.tenants.findByRef(tenant.id))!);
  }

  async list(query: ListTenantsQueryDto): Promise<Page<TenantDto>> {
    const { tenants, total } = await this.tenants.list((query.page - 1) * query.pageSize, query.pageSize, query.status);
    return pageOf(tenants.map(toTenantDto), total, query);
  }

  async get(ref: string): Promise<TenantDto> {
    return toTenantDto(await this.find(ref));
  }

  async update(ref: string, dto: UpdateTenantDto): Promise<TenantDto> {
    const found = await this.find(ref);
    if (dto.status === 'suspended' && found.id === this.context.requirePrincipal().homeTenantId) {
      throw new BusinessRuleViolation('You cannot suspend your own tenant: you would lock yourself out');
    }
    await this.dataSource.transaction(async (manager) => {
      const tenant = await this.tenants.lock(manager, found.id);
      if (!tenant) throw new NotFound('Tenant');
      const settings = dto.settings === undefined ? undefined : plainSettings(dto.settings);
      await this.tenants.update(manager, tenant.id, { name: dto.name, status: dto.status, settings });
      const changed = [
        ...(dto.name !== undefined && dto.name !== tenant.name ? ['name'] : []),
        ...(settings !== undefined && JSON.stringify(settings) !== JSON.stringify(tenant.settings) ? ['settings'] : []),
      ];
      if (changed.length) {
        await this.audit.record(
          {
            tenantId: tenant.id,
            action: 'tenant.updated',
            targetId: tenant.id,
            targetType: 'tenant',
            metadata: { fields: changed },
          },
          manager,
        );
      }
      if (dto.status !== undefined && dto.status !== tenant.status)
        await this.changeStatus(manager, tenant, dto.status);
    });
    this.resolver.invalidate(found);
    return toTenantDto((await this.tenants.findByRef(found.id))!);
  }

  /** Suspension ends every session of the tenant at once; its users sign in again after reactivation. */
  private async changeStatus(manager: EntityManager, tenant: Tenant, status: Tenant['status']): Promise<void> {
    const revoked =
      status === 'suspended' ? await this.sessions.revoke({ tenantId: tenant.id }, 'tenant_suspended', manager) : [];
    await this.audit.record(
      {
        tenantId: tenant.id,
        action: status === 'suspended' ? 'tenant.suspended' : 'tenant.activated',
        targetId: tenant.id,
        targetType: 'tenant',
        metadata: status === 'suspended' ? { sessionsRevoked: revoked.length } : {},
      },
      manager,
    );
  }

  private async find(ref: string): Promise<Tenant> {
    const tenant = await this.tenants.findByRef(ref);
    if (!tenant) throw new NotFound('Tenant');
    return tenant;
  }
}
