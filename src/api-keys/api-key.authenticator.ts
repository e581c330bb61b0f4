import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Authenticator, AuthenticatorRegistry } from '../common/auth/authenticator';
import type { Principal } from '../common/context/request-context';
import { NotAuthenticated } from '../common/errors/domain-errors';
import type { MaybePromise } from '../common/maybe-promise';
import type { UserType } from '../common/user-types';
import { PermissionResolver } from '../rbac/permission-resolver';
import { TenantResolver } from '../tenants/tenant-resolver';
import { hashApiKey, looksLikeApiKey } from './api-key-secret';
import { ApiKeysRepository } from './api-keys.repository';
import { InvalidationBus } from '../cache/invalidation-bus';

/** How long a valid key is trusted from memory; it bounds how late another instance sees a revocation. */
const CACHE_TTL_MS = 30_000;
/** last_used_at is written at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface CachedKey {
  id: string;
  tenantId: string;
  userId: string;
  userType: UserType;
  scopes: readonly string[];
  expiresAt: number | null;
  lastUsedAt: number;
  cachedUntil: number;
}

const INVALID = 'Invalid, expired or revoked API key';

/**
 * `X-API-Key: dmac_...`. A valid key is kept in memory briefly, so a request with a known key costs no
 * query; a cache miss costs one indexed query (key, owner status, tenant status and the owner's granted
 * permissions together). The key acts as its owner, narrowed to its scopes: its permissions are the
 * scopes ∩ what the owner holds now. Keys of owners who are not active, of suspended tenants, expired or
 * revoked keys answer 401.
 */
@Injectable()
export class ApiKeyAuthenticator implements Authenticator, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ApiKeys');
  private readonly cache = new Map<string, CachedKey>();
  /** Users whose keys are not cached for a while (their keys are being revoked in an open transaction). */
  private readonly uncachable = new Map<string, number>();
  /** Bumped by every eviction: a lookup that raced with one does not store what it read. */
  private epoch = 0;
  /** Writes of last_used_at still running, awaited at shutdown so none hits a closed pool. */
  private readonly touches = new Set<Promise<void>>();

  constructor(
    private readonly registry: AuthenticatorRegistry,
    private readonly keys: ApiKeysRepository,
    private readonly permissions: PermissionResolver,
    private readonly tenants: TenantResolver,
    private readonly bus: InvalidationBus,
  ) {
    bus.on('apikey', (hash) => {
      this.epoch++;
      this.cache.delete(hash);
    });
    bus.on('apikey.user', (userId) => this.dropUser(userId));
  }

  onModuleInit(): void {
    this.registry.register(this);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.touches);
  }

  authenticate(request: FastifyRequest): MaybePromise<Principal | undefined> {
    const header = request.headers['x-api-key'];
    if (header === undefined) return undefined;
    const presented = Array.isArray(header) ? header[0] : header;
    if (!presented || !looksLikeApiKey(presented.trim())) throw new NotAuthenticated(INVALID);
    return this.authenticateKey(hashApiKey(presented.trim()));
  }

  private async authenticateKey(hash: string): Promise<Principal> {
    const now = Date.now();

    let key = this.cache.get(hash);
    let ownerPermissions: ReadonlySet<string>;
    if (key && key.cachedUntil > now) {
      const tenant = await this.tenants.resolve(key.tenantId);
      if (tenant?.status !== 'active') throw new NotAuthenticated(INVALID);
      ownerPermissions = await this.permissions.forUser(key.tenantId, key.userId, key.userType);
    } else {
      const epoch = this.epoch;
      const permissionsEpoch = this.permissions.currentEpoch();
      const found = await this.keys.findForAuth(hash);
      if (!found) {
        this.cache.delete(hash);
        throw new NotAuthenticated(INVALID);
      }
      key = {
        id: found.id,
        tenantId: found.tenantId,
        userId: found.userId,
        userType: found.userType,
        scopes: found.scopes,
        expiresAt: found.expiresAt?.getTime() ?? null,
        lastUsedAt: found.lastUsedAt?.getTime() ?? 0,
        cachedUntil: now + CACHE_TTL_MS,
      };
      ownerPermissions = this.permissions.prime(found.userId, found.userType, found.granted, permissionsEpoch);
      if (epoch === this.epoch && !this.isUncachable(found.userId, now)) this.store(hash, key);
    }
    if (key.expiresAt !== null && key.expiresAt <= now) throw new NotAuthenticated(INVALID);
    this.touch(key, now);
    return {
      kind: 'api_key',
      userId: key.userId,
      homeTenantId: key.tenantId,
      userType: key.userType,
      apiKeyId: key.id,
      permissions: new Set(key.scopes.filter((s) => ownerPermissions.has(s))),
    };
  }

  /** After a key's revocation has committed; on every instance. */
  forgetKey(keyHash: string): void {
    this.bus.publish('apikey', keyHash);
  }

  /**
   * When a user's keys are revoked (or the user stops being active) inside a transaction that has not
   * committed yet: drops their cached keys and keeps them out of the cache for a while, so that every
   * request with them asks the database, which refuses them once the transaction commits.
   */
  forgetUser(userId: string): void {
    this.bus.publish('apikey.user', userId);
  }

  private dropUser(userId: string): void {
    this.epoch++;
    const now = Date.now();
    if (this.uncachable.size >= MAX_ENTRIES) {
      for (const [id, until] of this.uncachable) if (until <= now) this.uncachable.delete(id);
    }
    this.uncachable.set(userId, now + CACHE_TTL_MS);
    for (const [hash, key] of this.cache) if (key.userId === userId) this.cache.delete(hash);
  }

  private isUncachable(userId: string, now: number): boolean {
    const until = this.uncachable.get(userId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.uncachable.delete(userId);
    return false;
  }

  private store(hash: string, key: CachedKey): void {
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(hash, key);
  }

  private touch(key: CachedKey, now: number): void {
    if (now - key.lastUsedAt < TOUCH_INTERVAL_MS) return;
    key.lastUsedAt = now;
    const touch = this.keys
      .touch(key.id)
      .catch((err: unknown) => this.logger.warn({ err }, 'could not record API key use'))
      .finally(() => this.touches.delete(touch));
    this.touches.add(touch);
  }
}
