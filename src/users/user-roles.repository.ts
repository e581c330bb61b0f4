import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { updateReturning } from '../database/sql';

export interface RoleRef {
  id: string;
  name: string;
}

/** Queries on the grants of roles to users; each names the tenant. */
@Injectable()
export class UserRolesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Grants the roles; returns the ids of those the user did not hold before. */
  async grant(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    roleIds: string[],
    grantedBy: string | null,
  ): Promise<string[]> {
    const rows = await manager.query<{ role_id: string }[]>(
      `INSERT INTO user_roles (tenant_id, user_id, role_id, granted_by)
       SELECT $1, $2, r, $4 FROM unnest($3::uuid[]) AS r
       ON CONFLICT DO NOTHING RETURNING role_id`,
      [tenantId, userId, roleIds, grantedBy],
    );
    return rows.map((r) => r.role_id);
  }

  /** Takes the roles away; returns the ids of those the user held. */
  async revoke(manager: EntityManager, tenantId: string, userId: string, roleIds: string[]): Promise<string[]> {
    const rows = await updateReturning<{ role_id: string }>(
      manager,
      `DELETE FROM user_roles WHERE tenant_id = $1 AND user_id = $2 AND role_id = ANY($3::uuid[]) RETURNING role_id`,
      [tenantId, userId, roleIds],
    );
    return rows.map((r) => r.role_id);
  }

  /** The names of the roles granted to each of the users, sorted. */
  async namesByUser(tenantId: string, userIds: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    const rows = await this.dataSource.query<{ user_id: string; name: string }[]>(
      `SELECT ur.user_id, r.name FROM user_roles ur
         JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
        WHERE ur.tenant_id = $1 AND ur.user_id = ANY($2::uuid[])
        ORDER BY lower(r.name)`,
      [tenantId, userIds],
    );
    for (const row of rows) result.get(row.user_id)?.push(row.name);
    return result;
  }
}
