import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { UserType } from '../common/user-types';
import type { MaybePromise } from '../common/maybe-promise';
import { effectivePermissions } from './built-in-roles';
import { InvalidationBus } from '../cache/invalidation-bus';

const ALL = '*';

/** Bounds how stale a cache can be should an invalidation message be lost. */
const TTL_MS = 60_000;
const MAX_ENTRIES = 100_000;

interface Entry {
  userType: UserType;
  permissions: ReadonlySet<string>;
  expires: number;
}

/**
 * A user's effective permissions: the built-in role of their user type plus every role granted to them
 * (platform-only permissions count for platform user types only). Cached per user; whatever changes a
 * user's roles, a role's permissions or a user's type calls invalidate() for the users concerned after
 * its transaction commits.
 */
@Injectable()
export class PermissionResolver {
  private readonly cache = new Map<string, Entry>();
  /**
   * Bumped by every invalidation. A lookup that started before an invalidation does not store what it
   * read, which may predate the change it raced with.
   */
  private epoch = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: InvalidationBus,
  ) {
    bus.on('permissions', (userId) => this.forget(userId));
  }

  forUser(tenantId: string, userId: string, userType: UserType): MaybePromise<ReadonlySet<string>> {
    return this.cached(userId, userType) ?? this.load(tenantId, userId, userType);
  }

  private async load(tenantId: string, userId: string, userType: UserType): Promise<ReadonlySet<string>> {
    const epoch = this.epoch;
    const rows = await this.dataSource.query<{ permission: string }[]>(
      `SELECT DISTINCT rp.permission FROM user_roles ur
         JOIN role_permissions rp ON rp.tenant_id = ur.tenant_id AND rp.role_id = ur.role_id
        WHERE ur.tenant_id = $1 AND ur.user_id = $2`,
      [tenantId, userId],
    );
    const permissions = effectivePermissions(
      userType,
      rows.map((r) => r.permission),
    );
    if (epoch === this.epoch) this.store(userId, userType, permissions);
    return permissions;
  }

  /**
   * Stores permissions read elsewhere (the API-key lookup reads the granted ones in the same query as the
   * key), unless an invalidation happened since `epoch` (from currentEpoch() before the read).
   */
  prime(userId: string, userType: UserType, granted: readonly string[], epoch: number): ReadonlySet<string> {
    const hit = this.cached(userId, userType);
    if (hit) return hit;
    const permissions = effectivePermissions(userType, granted);
    if (epoch === this.epoch) this.store(userId, userType, permissions);
    return permissions;
  }

  currentEpoch(): number {
    return this.epoch;
  }

  /** Forgets the given users' permissions (all users' without an argument), on every instance. */
  invalidate(userIds?: string | Iterable<string>): void {
    if (userIds === undefined) this.bus.publish('permissions', ALL);
    else if (typeof userIds === 'string') this.bus.publish('permissions', userIds);
    else for (const id of userIds) this.bus.publish('permissions', id);
  }

  private forget(userId: string): void {
    this.epoch++;
    if (userId === ALL) this.cache.clear();
    else this.cache.delete(userId);
  }

  private cached(userId: string, userType: UserType): ReadonlySet<string> | undefined {
    const hit = this.cache.get(userId);
    // A changed user type is a different built-in role: never answer from the old one.
    if (hit && hit.expires > Date.now() && hit.userType === userType) return hit.permissions;
    return undefined;
  }

  private store(userId: string, userType: UserType, permissions: ReadonlySet<string>): void {
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(userId, { userType, permissions, expires: Date.now() + TTL_MS });
  }
}
