import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BadInput } from '../common/errors/domain-errors';
import { PermissionResolver } from '../rbac/permission-resolver';
import { RoleRef, UserRolesRepository } from './user-roles.repository';

/**
 * The one place where roles are granted to and taken from users (creation, invitations, bulk operations,
 * the roles API), so that rules about who may grant what are added in one place.
 */
@Injectable()
export class UserRolesService {
  constructor(
    private readonly roles: UserRolesRepository,
    private readonly permissions: PermissionResolver,
  ) {}

  /** The tenant's roles by name; any name the tenant does not have is bad input (400). */
  async resolve(tenantId: string, names: string[], manager?: EntityManager): Promise<RoleRef[]> {
    const wanted = [...new Map(names.map((n) => [n.trim().toLowerCase(), n.trim()])).entries()];
    if (wanted.length === 0) return [];
    const found = await this.roles.findByNames(
      tenantId,
      wanted.map(([key]) => key),
      manager,
    );
    const known = new Set(found.map((r) => r.name.toLowerCase()));
    const unknown = wanted.filter(([key]) => !known.has(key)).map(([, name]) => name);
    if (unknown.length) throw new BadInput(`Unknown role${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
    return found;
  }

  /** Grants roles inside the caller's transaction; returns the names newly granted. */
  async grant(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    roles: RoleRef[],
    grantedBy: string | null,
  ): Promise<string[]> {
    if (roles.length === 0) return [];
    const added = new Set(
      await this.roles.grant(
        manager,
        tenantId,
        userId,
        roles.map((r) => r.id),
        grantedBy,
      ),
    );
    if (added.size) this.permissions.invalidate(userId);
    return roles.filter((r) => added.has(r.id)).map((r) => r.name);
  }

  /** Takes roles away inside the caller's transaction; returns the names the user held. */
  async revoke(manager: EntityManager, tenantId: string, userId: string, roles: RoleRef[]): Promise<string[]> {
    if (roles.length === 0) return [];
    const removed = new Set(
      await this.roles.revoke(
        manager,
        tenantId,
        userId,
        roles.map((r) => r.id),
      ),
    );
    if (removed.size) this.permissions.invalidate(userId);
    return roles.filter((r) => removed.has(r.id)).map((r) => r.name);
  }

  namesByUser(tenantId: string, userIds: string[]): Promise<Map<string, string[]>> {
    return this.roles.namesByUser(tenantId, userIds);
  }
}
