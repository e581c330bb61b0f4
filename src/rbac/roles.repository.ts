import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { USER_TYPES, type UserStatus, type UserType } from '../common/user-types';
import { Role, RoleWithPermissions } from './entities/role.entity';

/** Roles with their permissions aggregated; `r` is the roles table. */
const ROLE_COLUMNS = `r.id, r.tenant_id, r.name, r.description, r.built_in, r.created_at, r.updated_at,
  coalesce((SELECT array_agg(rp.permission ORDER BY rp.permission) FROM role_permissions rp
             WHERE rp.tenant_id = r.tenant_id AND rp.role_id = r.id), '{}') AS permissions`;

interface RoleRow {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  built_in: boolean;
  created_at: Date;
  updated_at: Date;
  permissions: string[];
}

function toRole(row: RoleRow): RoleWithPermissions {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    builtIn: row.built_in,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    permissions: row.permissions,
  };
}

export interface LockedUser {
  id: string;
  userType: UserType;
  status: UserStatus;
}

/** Every query on roles, their permissions and their grants; each takes the tenant. */
@Injectable()
export class RolesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async list(
    tenantId: string,
    offset: number,
    limit: number,
  ): Promise<{ roles: RoleWithPermissions[]; total: number }> {
    const rows = await this.dataSource.query<RoleRow[]>(
      `SELECT ${ROLE_COLUMNS} FROM roles r WHERE r.tenant_id = $1
        ORDER BY r.built_in DESC, array_position($4::text[], r.name), lower(r.name), r.id OFFSET $2 LIMIT $3`,
      [tenantId, offset, limit, USER_TYPES],
    );
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM roles WHERE tenant_id = $1`,
      [tenantId],
    );
    return { roles: rows.map(toRole), total };
  }

  async findById(tenantId: string, id: string, manager?: EntityManager): Promise<RoleWithPermissions | undefined> {
    const rows = await this.m(manager).query<RoleRow[]>(
      `SELECT ${ROLE_COLUMNS} FROM roles r WHERE r.tenant_id = $1 AND r.id = $2`,
      [tenantId, id],
    );
    return rows[0] && toRole(rows[0]);
  }

  /** Locks the role for the rest of the transaction (concurrent edits of one role serialise). */
  async lock(manager: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(`SELECT 1 FROM roles WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      tenantId,
      id,
    ]);
    return rows.length === 1;
  }

  /** The roles of the tenant with these names (case-insensitive). */
  async findByNames(tenantId: string, names: readonly string[]): Promise<RoleWithPermissions[]> {
    if (names.length === 0) return [];
    const rows = await this.dataSource.query<RoleRow[]>(
      `SELECT ${ROLE_COLUMNS} FROM roles r WHERE r.tenant_id = $1 AND lower(r.name) = ANY($2::text[])`,
      [tenantId, names.map((n) => n.toLowerCase())],
    );
    return rows.map(toRole);
  }

  async nameTaken(manager: EntityManager, tenantId: string, name: string, exceptId?: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM roles WHERE tenant_id = $1 AND lower(name) = lower($2) AND ($3::uuid IS NULL OR id <> $3)`,
      [tenantId, name, exceptId ?? null],
    );
    return rows.length > 0;
  }

  async insert(manager: EntityManager, role: Pick<Role, 'tenantId' | 'name' | 'description'>): Promise<string> {
    const [{ id }] = await manager.query<{ id: string }[]>(
      `INSERT INTO roles (tenant_id, name, description, built_in) VALUES ($1, $2, $3, false) RETURNING id`,
      [role.tenantId, role.name, role.description],
    );
    return id;
  }

  async update(
    manager: EntityManager,
    tenantId: string,
    id: string,
    changes: { name?: string; description?: string | null },
  ): Promise<void> {
    await manager.query(
      `UPDATE roles SET name = coalesce($3, name),
              description = CASE WHEN $4::boolean THEN $5 ELSE description END, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, changes.name ?? null, changes.description !== undefined, changes.description ?? null],
    );
  }

  async setPermissions(
    manager: EntityManager,
    tenantId: string,
    roleId: string,
    permissions: readonly string[],
  ): Promise<void> {
    await manager.query(
      `DELETE FROM role_permissions WHERE tenant_id = $1 AND role_id = $2 AND NOT (permission = ANY($3::text[]))`,
      [tenantId, roleId, permissions],
    );
    await manager.query(
      `INSERT INTO role_permissions (tenant_id, role_id, permission)
       SELECT $1, $2, p FROM unnest($3::text[]) AS p ON CONFLICT DO NOTHING`,
      [tenantId, roleId, permissions],
    );
  }

  async delete(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    await manager.query(`DELETE FROM roles WHERE tenant_id = $1 AND id = $2 AND NOT built_in`, [tenantId, id]);
  }

  /** The users a role is granted to. */
  async holders(manager: EntityManager, tenantId: string, roleId: string): Promise<string[]> {
    const rows = await manager.query<{ user_id: string }[]>(
      `SELECT user_id FROM user_roles WHERE tenant_id = $1 AND role_id = $2`,
      [tenantId, roleId],
    );
    return rows.map((r) => r.user_id);
  }

  /** The roles granted to a user (not counting the built-in role of their type, which is implicit). */
  async grantedTo(tenantId: string, userId: string, manager?: EntityManager): Promise<RoleWithPermissions[]> {
    const rows = await this.m(manager).query<RoleRow[]>(
      `SELECT ${ROLE_COLUMNS} FROM roles r JOIN user_roles ur ON ur.tenant_id = r.tenant_id AND ur.role_id = r.id
        WHERE ur.tenant_id = $1 AND ur.user_id = $2 ORDER BY lower(r.name)`,
      [tenantId, userId],
    );
    return rows.map(toRole);
  }

  async grant(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    roleIds: readonly string[],
    grantedBy: string | null,
  ): Promise<void> {
    if (roleIds.length === 0) return;
    await manager.query(
      `INSERT INTO user_roles (tenant_id, user_id, role_id, granted_by)
       SELECT $1, $2, r, $4 FROM unnest($3::uuid[]) AS r ON CONFLICT DO NOTHING`,
      [tenantId, userId, roleIds, grantedBy],
    );
  }

  async revoke(manager: EntityManager, tenantId: string, userId: string, roleIds: readonly string[]): Promise<void> {
    if (roleIds.length === 0) return;
    await manager.query(`DELETE FROM user_roles WHERE tenant_id = $1 AND user_id = $2 AND role_id = ANY($3::uuid[])`, [
      tenantId,
      userId,
      roleIds,
    ]);
  }

  /** Locks a (not deleted) user of the tenant so that concurrent changes of their roles serialise. */
  async lockUser(manager: EntityManager, tenantId: string, userId: string): Promise<LockedUser | undefined> {
    const rows = await manager.query<{ id: string; user_type: UserType; status: UserStatus }[]>(
      `SELECT id, user_type, status FROM users_v2 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`,
      [tenantId, userId],
    );
    const row = rows[0];
    return row && { id: row.id, userType: row.user_type, status: row.status };
  }

  /** Brings the permission catalogue up to date with the code's (new permissions appear; none vanish). */
  async syncCatalogue(manager: EntityManager, catalogue: Record<string, string>): Promise<void> {
    await manager.query(
      `INSERT INTO permissions (name, description) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description
        WHERE permissions.description IS DISTINCT FROM EXCLUDED.description`,
      [Object.keys(catalogue), Object.values(catalogue)],
    );
  }

  async listCatalogue(): Promise<{ name: string; description: string }[]> {
    return this.dataSource.query(`SELECT name, description FROM permissions ORDER BY name`);
  }

  /**
   * Creates the built-in roles missing in the tenant (every tenant when none is named) and sets their
   * permissions to exactly the code's: built-in roles are not edited through the API.
   */
  async seedBuiltIns(
    manager: EntityManager,
    builtIns: { name: string; description: string; permissions: readonly string[] }[],
    tenantId?: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO roles (tenant_id, name, description, built_in)
       SELECT t.id, b.name, b.description, true FROM tenants t CROSS JOIN unnest($1::text[], $2::text[]) AS b(name, description)
        WHERE $3::uuid IS NULL OR t.id = $3
       ON CONFLICT (tenant_id, lower(name)) DO NOTHING`,
      [builtIns.map((b) => b.name), builtIns.map((b) => b.description), tenantId ?? null],
    );
    const pairs = builtIns.flatMap((b) => b.permissions.map((p) => [b.name, p] as const));
    await manager.query(
      `WITH expected(name, permission) AS (SELECT * FROM unnest($1::text[], $2::text[])),
            built_in AS (SELECT id, tenant_id, name FROM roles WHERE built_in AND ($3::uuid IS NULL OR tenant_id = $3))
       DELETE FROM role_permissions rp USING built_in b
        WHERE rp.tenant_id = b.tenant_id AND rp.role_id = b.id
          AND NOT EXISTS (SELECT 1 FROM expected e WHERE e.name = b.name AND e.permission = rp.permission)`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1]), tenantId ?? null],
    );
    await manager.query(
      `INSERT INTO role_permissions (tenant_id, role_id, permission)
       SELECT r.tenant_id, r.id, e.permission FROM roles r
         JOIN unnest($1::text[], $2::text[]) AS e(name, permission) ON e.name = r.name
        WHERE r.built_in AND ($3::uuid IS NULL OR r.tenant_id = $3)
       ON CONFLICT DO NOTHING`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1]), tenantId ?? null],
    );
  }
}
