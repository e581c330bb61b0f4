import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { BadInput, Conflict, NotFound } from '../common/errors/domain-errors';
import { UsersRepository } from '../users/users.repository';
import { BuiltInRolesSeeder } from './built-in-roles.seeder';
import type { UserRolesDto } from './dto/role.dto';
import type { RoleWithPermissions } from './entities/role.entity';
import { PermissionResolver } from './permission-resolver';
import { PrivilegeService, type PrivilegedAction } from './privilege.service';
import { RolesRepository } from './roles.repository';

/** replace: the names become the user's granted roles; add / remove: change only those. */
export type RoleChange = 'replace' | 'add' | 'remove';

/**
 * Granting roles to users in the acting tenant. Nobody changes their own roles; platform users are
 * changed only by platform users of their rank; every role granted or taken away must be one the caller
 * could grant (PrivilegeService). The user's cached permissions are dropped once the change commits.
 */
@Injectable()
export class RoleAssignmentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly roles: RolesRepository,
    private readonly users: UsersRepository,
    private readonly seeder: BuiltInRolesSeeder,
    private readonly privileges: PrivilegeService,
    private readonly permissions: PermissionResolver,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  async listFor(userId: string): Promise<UserRolesDto> {
    const tenantId = this.context.tenantId;
    const user = await this.users.findById(tenantId, userId);
    if (!user) throw new NotFound('User');
    const granted = await this.roles.grantedTo(tenantId, userId);
    const permissions = await this.permissions.forUser(tenantId, userId, user.userType);
    return { userId, roles: granted.map((r) => r.name), permissions: [...permissions].sort() };
  }

  /** `POST /users/{id}/roles` (replace) and the bulk operations assign_role / remove_role (add / remove). */
  async change(userId: string, names: readonly string[], mode: RoleChange): Promise<UserRolesDto> {
    const action: PrivilegedAction = 'user.roles.assign';
    const tenantId = this.context.tenantId;
    await this.seeder.ensureTenant(tenantId);
    const target = await this.users.findById(tenantId, userId);
    if (!target) throw new NotFound('User');
    await this.privileges.assertNotSelf(userId, action);
    await this.privileges.assertCanManageUser(target, action);
    const named = await this.resolve(tenantId, names);
    const planned = diff(await this.roles.grantedTo(tenantId, userId), named, mode);
    await this.privileges.assertCanAssignRoles([...planned.added, ...planned.removed], action, userId);

    const changed = await this.dataSource.transaction(async (manager) => {
      if (!(await this.roles.lockUser(manager, tenantId, userId))) throw new NotFound('User');
      // Under the lock: what actually changes must be what was checked above.
      const { added, removed } = diff(await this.roles.grantedTo(tenantId, userId, manager), named, mode);
      const checked = new Set([...planned.added, ...planned.removed].map((r) => r.id));
      if ([...added, ...removed].some((r) => !checked.has(r.id))) {
        throw new Conflict("The user's roles changed meanwhile; try again");
      }
      if (!added.length && !removed.length) return false;
      await this.roles.revoke(
        manager,
        tenantId,
        userId,
        removed.map((r) => r.id),
      );
      await this.roles.grant(
        manager,
        tenantId,
        userId,
        added.map((r) => r.id),
        this.context.requirePrincipal().userId,
      );
      await this.audit.record(
        {
          tenantId,
          action: 'user.roles.changed',
          targetId: userId,
          metadata: { added: added.map((r) => r.name).sort(), removed: removed.map((r) => r.name).sort() },
        },
        manager,
      );
      return true;
    });
    if (changed) this.permissions.invalidate(userId);
    return this.listFor(userId);
  }

  /**
   * For creating a user with roles: the named roles of the acting tenant, once the caller is known to be
   * allowed to grant them (400 for an unknown name, 403 + audit otherwise). Then call grantWithin() in the
   * transaction that creates the user.
   */
  async resolveAssignable(names: readonly string[], action: PrivilegedAction): Promise<RoleWithPermissions[]> {
    const tenantId = this.context.tenantId;
    await this.seeder.ensureTenant(tenantId);
    const roles = await this.resolve(tenantId, names);
    await this.privileges.assertCanAssignRoles(roles, action);
    return roles;
  }

  /** Grants roles resolved by resolveAssignable() to a user created in the same transaction. */
  async grantWithin(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    roles: readonly RoleWithPermissions[],
  ): Promise<void> {
    await this.roles.grant(
      manager,
      tenantId,
      userId,
      roles.map((r) => r.id),
      this.context.principal?.userId ?? null,
    );
  }

  /**
   * Grants the roles an invitation names to the user accepting it, in the accepting transaction; returns
   * the names granted. Whether the inviter may grant them was checked when the invitation was made
   * (resolveAssignable); a role deleted since is skipped. The caller drops the user's cached permissions
   * once its transaction commits.
   */
  async grantInvited(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    names: readonly string[],
    invitedBy: string | null,
  ): Promise<string[]> {
    if (names.length === 0) return [];
    const roles = await this.roles.findByNames(tenantId, names);
    await this.roles.grant(
      manager,
      tenantId,
      userId,
      roles.map((r) => r.id),
      invitedBy,
    );
    return roles.map((r) => r.name);
  }

  private async resolve(tenantId: string, names: readonly string[]): Promise<RoleWithPermissions[]> {
    const found = await this.roles.findByNames(tenantId, names);
    const known = new Set(found.map((r) => r.name.toLowerCase()));
    const unknown = names.filter((n) => !known.has(n.toLowerCase()));
    if (unknown.length) throw new BadInput(`Unknown role: ${unknown.join(', ')}`);
    return found;
  }
}

function diff(
  current: readonly RoleWithPermissions[],
  named: readonly RoleWithPermissions[],
  mode: RoleChange,
): { added: RoleWithPermissions[]; removed: RoleWithPermissions[] } {
  const has = new Set(current.map((r) => r.id));
  const wanted = new Set(named.map((r) => r.id));
  switch (mode) {
    case 'replace':
      return { added: named.filter((r) => !has.has(r.id)), removed: current.filter((r) => !wanted.has(r.id)) };
    case 'add':
      return { added: named.filter((r) => !has.has(r.id)), removed: [] };
    case 'remove':
      return { added: [], removed: current.filter((r) => wanted.has(r.id)) };
  }
}
