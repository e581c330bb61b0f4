import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { BusinessRuleViolation, Conflict, NotFound } from '../common/errors/domain-errors';
import { type Page, PageQueryDto, pageOf } from '../common/http/page';
import { BuiltInRolesSeeder } from './built-in-roles.seeder';
import type { CreateRoleDto, PermissionDto, RoleDto, UpdateRoleDto } from './dto/role.dto';
import type { RoleWithPermissions } from './entities/role.entity';
import { PermissionResolver } from './permission-resolver';
import { PrivilegeService } from './privilege.service';
import { toRoleDto } from './roles.mapper';
import { RolesRepository } from './roles.repository';

/**
 * Roles of the acting tenant. Built-in roles (named after the user types) mirror the code and are
 * read-only: changing or deleting one is refused with 422. A caller only creates, changes or deletes a
 * role whose permissions (before and after) they hold themselves.
 */
@Injectable()
export class RolesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly roles: RolesRepository,
    private readonly seeder: BuiltInRolesSeeder,
    private readonly privileges: PrivilegeService,
    private readonly permissions: PermissionResolver,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  async catalogue(): Promise<Page<PermissionDto>> {
    const items = await this.roles.listCatalogue();
    return { items, total: items.length, page: 1, pageSize: Math.max(items.length, 1) };
  }

  async list(query: PageQueryDto): Promise<Page<RoleDto>> {
    const tenantId = await this.tenant();
    const { roles, total } = await this.roles.list(tenantId, (query.page - 1) * query.pageSize, query.pageSize);
    return pageOf(roles.map(toRoleDto), total, query);
  }

  async get(id: string): Promise<RoleDto> {
    return toRoleDto(await this.find(await this.tenant(), id));
  }

  async create(dto: CreateRoleDto): Promise<RoleDto> {
    const tenantId = await this.tenant();
    await this.privileges.assertCanGrant(dto.permissions, 'role.create');
    const id = await this.dataSource.transaction(async (manager) => {
      if (await this.roles.nameTaken(manager, tenantId, dto.name))
        throw new Conflict(`A role named "${dto.name}" already exists`);
      const roleId = await this.roles.insert(manager, {
        tenantId,
        name: dto.name,
        description: dto.description ?? null,
      });
      await this.roles.setPermissions(manager, tenantId, roleId, dto.permissions);
      await this.audit.record(
        {
          tenantId,
          action: 'role.created',
          targetId: roleId,
          targetType: 'role',
          metadata: { name: dto.name, permissions: [...dto.permissions].sort() },
        },
        manager,
      );
      return roleId;
    });
    return toRoleDto(await this.find(tenantId, id));
  }

  async update(id: string, dto: UpdateRoleDto): Promise<RoleDto> {
    const tenantId = await this.tenant();
    const role = await this.findCustom(tenantId, id);
    await this.privileges.assertCanGrant([...role.permissions, ...(dto.permissions ?? [])], 'role.update', {
      id,
      type: 'role',
    });
    const holders = await this.dataSource.transaction(async (manager) => {
      if (!(await this.roles.lock(manager, tenantId, id))) throw new NotFound('Role');
      if (dto.name !== undefined && (await this.roles.nameTaken(manager, tenantId, dto.name, id))) {
        throw new Conflict(`A role named "${dto.name}" already exists`);
      }
      const before = (await this.roles.findById(tenantId, id, manager))!;
      await this.roles.update(manager, tenantId, id, { name: dto.name, description: dto.description });
      if (dto.permissions) await this.roles.setPermissions(manager, tenantId, id, dto.permissions);
      const after = new Set(dto.permissions ?? before.permissions);
      await this.audit.record(
        {
          tenantId,
          action: 'role.updated',
          targetId: id,
          targetType: 'role',
          metadata: {
            name: dto.name ?? before.name,
            ...(dto.name !== undefined && dto.name !== before.name ? { previousName: before.name } : {}),
            added: [...after].filter((p) => !before.permissions.includes(p)).sort(),
            removed: before.permissions.filter((p) => !after.has(p)).sort(),
          },
        },
        manager,
      );
      return this.roles.holders(manager, tenantId, id);
    });
    this.permissions.invalidate(holders);
    return toRoleDto(await this.find(tenantId, id));
  }

  async remove(id: string): Promise<void> {
    const tenantId = await this.tenant();
    const role = await this.findCustom(tenantId, id);
    await this.privileges.assertCanGrant(role.permissions, 'role.delete', { id, type: 'role' });
    const holders = await this.dataSource.transaction(async (manager) => {
      if (!(await this.roles.lock(manager, tenantId, id))) throw new NotFound('Role');
      const users = await this.roles.holders(manager, tenantId, id);
      await this.roles.delete(manager, tenantId, id);
      await this.audit.record(
        {
          tenantId,
          action: 'role.deleted',
          targetId: id,
          targetType: 'role',
          metadata: { name: role.name, holders: users.length },
        },
        manager,
      );
      return users;
    });
    this.permissions.invalidate(holders);
  }

  /** The acting tenant, with its built-in roles in place. */
  private async tenant(): Promise<string> {
    const tenantId = this.context.tenantId;
    await this.seeder.ensureTenant(tenantId);
    return tenantId;
  }

  private async find(tenantId: string, id: string): Promise<RoleWithPermissions> {
    const role = await this.roles.findById(tenantId, id);
    if (!role) throw new NotFound('Role');
    return role;
  }

  private async findCustom(tenantId: string, id: string): Promise<RoleWithPermissions> {
    const role = await this.find(tenantId, id);
    if (role.builtIn) {
      throw new BusinessRuleViolation(`"${role.name}" is a built-in role: it cannot be changed or deleted`);
    }
    return role;
  }
}
