import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { UserType } from '../common/user-types';
import { BUILT_IN_ROLE_PERMISSIONS } from './built-in-roles';

const TTL_MS = 60_000;

/**
 * A user's effective permissions: the built-in role of their user type plus every role granted to them.
 * Cached per user; anything that changes roles calls invalidate().
 */
@Injectable()
export class PermissionResolver {
  private readonly cache = new Map<string, { permissions: ReadonlySet<string>; expires: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async forUser(tenantId: string, userId: string, userType: UserType): Promise<ReadonlySet<string>> {
    const hit = this.cache.get(userId);
    if (hit && hit.expires > Date.now()) return hit.permissions;
    const rows = await this.dataSource.query<{ permission: string }[]>(
      `SELECT DISTINCT rp.permission FROM user_roles ur
         JOIN role_permissions rp ON rp.tenant_id = ur.tenant_id AND rp.role_id = ur.role_id
        WHERE ur.tenant_id = $1 AND ur.user_id = $2`,
      [tenantId, userId],
    );
    const permissions = new Set<string>([...BUILT_IN_ROLE_PERMISSIONS[userType], ...rows.map((r) => r.permission)]);
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(userId, { permissions, expires: Date.now() + TTL_MS });
    return permissions;
  }

  invalidate(userId?: string): void {
    if (userId) this.cache.delete(userId);
    else this.cache.clear();
  }
}
