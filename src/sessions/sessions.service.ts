import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Statement } from '../database/sql';
import type { SessionRestriction } from '../common/context/request-context';
import { MaybePromise, chain } from '../common/maybe-promise';
import type { UserType } from '../common/user-types';
import { AppConfig } from '../config/app-config';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import { deviceId, parseDevice } from './device';
import { GeoLocation, Session } from './entities/session.entity';
import { LiveSession, SessionLiveness } from './session-liveness';
import { SessionsRepository } from './sessions.repository';
import { SharedSession, SharedSessionState } from './shared-session-state';

/** Tokens are 256 random bits; a fast hash is enough to store them (nothing to brute-force). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A secret shared by every refresh token of one session: any spent token of the session is recognised. */
export function newRefreshFamily(): string {
  return randomBytes(16).toString('base64url');
}

/** `rt_<family>.<secret>`: the family names the session, the secret is this generation's. */
export function newRefreshToken(family: string): string {
  return `rt_${family}.${randomBytes(32).toString('base64url')}`;
}

/** The family a refresh token names, or undefined when it is not one of ours. */
export function refreshTokenFamily(token: string): string | undefined {
  return /^rt_([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/.exec(token)?.[1];
}

/** lastActiveAt is written back to the database at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;
/** ...and to the state shared through Redis at most this often per session and instance. */
const SHARED_TOUCH_INTERVAL_MS = 5_000;

export interface OpenSession {
  tenantId: string;
  userId: string;
  ip?: string;
  userAgent?: string;
  location?: GeoLocation | null;
  restriction?: SessionRestriction | null;
}

@Injectable()
export class SessionsService {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly liveness: SessionLiveness,
    private readonly config: AppConfig,
    private readonly policies: TenantPolicyService,
    private readonly shared: SharedSessionState,
  ) {}

  /**
   * A new session for a sign-in with its fingerprint (ip, device parsed from the user agent, device id, the
   * GeoIP location the caller looked up), not written yet: `insert` writes it (the caller joins it with the
   * audit entry), `remember()` must follow once it is committed. The refresh token is returned once and
   * only its hash is kept.
   */
  newSession(o: OpenSession): { session: Session; refreshToken: string; insert: Statement } {
    const family = newRefreshFamily();
    const refreshToken = newRefreshToken(family);
    const now = new Date();
    const session = Object.assign(new Session(), {
      id: randomUUID(),
      tenantId: o.tenantId,
      userId: o.userId,
      refreshTokenHash: hashToken(refreshToken),
      previousRefreshTokenHash: null,
      refreshFamilyHash: hashToken(family),
      lastIssuedPairEnc: null,
      rotatedAt: null,
      rotationCounter: 0,
      ipAddress: o.ip ?? null,
      userAgent: o.userAgent?.slice(0, 512) ?? null,
      device: parseDevice(o.userAgent),
      deviceId: deviceId(o.userAgent),
      location: o.location ?? null,
      restriction: o.restriction ?? null,
      createdAt: now,
      lastActiveAt: now,
      expiresAt: new Date(now.getTime() + this.config.jwtExpiryHours * 3_600_000),
      revokedAt: null,
      revokedReason: null,
      keptForLoginHistory: false,
    } satisfies Session);
    return { session, refreshToken, insert: this.sessions.insertion(session) };
  }

  remember(session: Session, userType: UserType, idleTimeoutMinutes?: number): LiveSession {
    const live: LiveSession = {
      sessionId: session.id,
      tenantId: session.tenantId,
      userId: session.userId,
      userType,
      expiresAt: session.expiresAt.getTime(),
      lastActiveAt: session.lastActiveAt.getTime(),
      persistedActiveAt: session.lastActiveAt.getTime(),
      idleTimeoutMs: (idleTimeoutMinutes ?? this.config.sessionTimeoutMinutes) * 60_000,
      restriction: session.restriction,
      revoked: !!session.revokedAt,
    };
    this.liveness.put(live);
    return live;
  }

  /**
   * The session behind an access token, if it is still alive: not revoked, not expired, not idle for
   * longer than the timeout. Single instance: answered from the in-process cache, the database is asked
   * only on a miss. With Redis: one Redis read per request, shared by every instance; when Redis is
   * unreachable, PostgreSQL answers instead.
   */
  check(sessionId: string): MaybePromise<LiveSession | undefined> {
    return this.shared.enabled ? this.checkShared(sessionId) : this.checkLocal(sessionId);
  }

  private async checkShared(sessionId: string): Promise<LiveSession | undefined> {
    let shared: SharedSession | null;
    try {
      shared = await this.shared.get(sessionId);
    } catch {
      return this.checkInDatabase(sessionId);
    }
    let live = this.liveness.get(sessionId);
    if (!shared || !live) {
      // Nothing shared yet (or it expired): PostgreSQL decides, and Redis learns the answer.
      live = await this.checkInDatabase(sessionId);
      if (live) await this.share(live).catch(() => undefined);
      return live;
    }
    if (shared.revoked) {
      this.liveness.revoke([sessionId]);
      return undefined;
    }
    live.restriction = shared.restriction;
    live.lastActiveAt = Math.max(live.lastActiveAt, shared.lastActiveAt);
    return this.stillActive(live, true);
  }

  /** At once from the in-process record; the database is asked only on a miss. */
  private checkLocal(sessionId: string): MaybePromise<LiveSession | undefined> {
    return chain(this.liveness.get(sessionId) ?? this.load(sessionId), (live) =>
      !live || live.revoked ? undefined : this.stillActive(live, false),
    );
  }

  /** The answer of PostgreSQL itself, for when there is no shared state to trust. */
  private async checkInDatabase(sessionId: string): Promise<LiveSession | undefined> {
    const cachedActivity = this.liveness.get(sessionId)?.lastActiveAt ?? 0;
    const live = await this.load(sessionId);
    if (!live || live.revoked) return undefined;
    live.lastActiveAt = Math.max(live.lastActiveAt, cachedActivity);
    return this.stillActive(live, false);
  }

  private async load(sessionId: string): Promise<LiveSession | undefined> {
    const found = await this.sessions.findWithUser(sessionId);
    if (!found) return undefined;
    const { sessionTimeoutMinutes } = await this.policies.policyFor(found.session.tenantId);
    const live = this.remember(found.session, found.userType, sessionTimeoutMinutes);
    if (found.userStatus !== 'active') live.revoked = true;
    return live;
  }

  private share(live: LiveSession): Promise<void> {
    return this.shared.put(
      live.sessionId,
      { revoked: live.revoked, restriction: live.restriction, lastActiveAt: live.lastActiveAt },
      live.expiresAt,
    );
  }

  /** Idle timeout, then records the activity (in Redis at most every few seconds, in PostgreSQL every minute). */
  private stillActive(live: LiveSession, shared: boolean): MaybePromise<LiveSession | undefined> {
    const now = Date.now();
    if (now - live.lastActiveAt > live.idleTimeoutMs) {
      return this.revoke({ tenantId: live.tenantId, sessionId: live.sessionId }, 'idle_timeout').then(() => undefined);
    }
    const previous = live.lastActiveAt;
    live.lastActiveAt = now;
    if (shared && now - previous > SHARED_TOUCH_INTERVAL_MS) {
      this.shared.touch(live.sessionId, now).catch(() => undefined);
    }
    if (now - live.persistedActiveAt > TOUCH_INTERVAL_MS) {
      live.persistedActiveAt = now;
      this.sessions.touch(live.sessionId, new Date(now)).catch((err: unknown) => {
        this.logger.warn({ err }, 'could not record session activity');
      });
    }
    return live;
  }

  /** Revokes sessions in the database (inside the caller's transaction when given) and at once in the cache. */
  async revoke(
    where: { tenantId: string; userId?: string; sessionId?: string; exceptSessionId?: string },
    reason: string,
    manager?: EntityManager,
  ): Promise<string[]> {
    const ids = await this.sessions.revoke(manager, where, reason);
    this.liveness.revoke(ids);
    if (this.shared.enabled) await this.shared.revoke(ids);
    return ids;
  }

  /**
   * Lifts the session's restriction in the database and at once in the liveness cache. Call it after the
   * change that justifies it has committed, so the cache never runs ahead of the database.
   */
  async liftRestriction(
    where: { tenantId: string; sessionId: string },
    restriction: SessionRestriction,
  ): Promise<void> {
    await this.sessions.clearRestriction(where.tenantId, where.sessionId, restriction);
    const live = this.liveness.get(where.sessionId);
    if (live?.restriction === restriction) live.restriction = null;
    // If Redis misses this, its entry expires within a minute and is rebuilt from the database.
    if (this.shared.enabled) await this.shared.liftRestriction(where.sessionId).catch(() => undefined);
  }
}
