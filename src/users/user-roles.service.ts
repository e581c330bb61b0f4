import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RoleRef, UserRolesRepository } from './user-roles.repository';

/**
 * Role grants written by the bulk operations, inside their batch transactions, and the role names shown
 * with accounts. Who may grant or take away what is decided before, by the RBAC feature (PrivilegeService,
 * RoleAssignmentService); the caller drops the users' cached permissions once its transaction commits.
 */
@Injectable()
export class UserRolesService {
  constructor(private readonly roles: UserRolesRepository) {}

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
    return roles.filter((r) => removed.has(r.id)).map((r) => r.name);
  }

  namesByUser(tenantId: string, userIds: string[]): Promise<Map<string, string[]>> {
    return this.roles.namesByUser(tenantId, userIds);
  }
}
