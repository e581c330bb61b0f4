import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../cache/redis.service';
import type { SessionRestriction } from '../common/context/request-context';

/** What instances share about a session: is it revoked, is it restricted, when was it last used. */
export interface SharedSession {
  revoked: boolean;
  restriction: SessionRestriction | null;
  lastActiveAt: number;
}

/**
 * Keys live at most this long; an entry that expires is rebuilt from PostgreSQL on the next request. It
 * bounds how long a revocation made while Redis was unreachable from the revoking instance can be missed.
 */
const ENTRY_TTL_MS = 60_000;

/**
 * Session state in Redis, shared by every instance: a logout or revocation on one instance is refused on
 * every other on the very next request. Every method throws when Redis is unreachable; the caller then
 * asks PostgreSQL (never "allow because the cache is down").
 */
@Injectable()
export class SharedSessionState {
  private readonly logger = new Logger('SharedSessionState');
  /** Revocations that could not be written to Redis, written again when it answers. */
  private readonly pendingRevocations = new Set<string>();

  constructor(private readonly redis: RedisService) {}

  private key(sessionId: string): string {
    return this.redis.key('ss', sessionId);
  }

  get enabled(): boolean {
    return this.redis.enabled;
  }

  private client() {
    const client = this.redis.client;
    if (!client || client.status !== 'ready') throw new Error('Redis is not connected');
    return client;
  }

  /** The shared state, or null when Redis has no entry for the session (expired, or never written). */
  async get(sessionId: string): Promise<SharedSession | null> {
    const client = this.client();
    if (this.pendingRevocations.size) await this.flushPending();
    const [revoked, restriction, lastActiveAt] = await client.hmget(this.key(sessionId), 'r', 'x', 'a');
    // A partial entry (a touch that raced with expiry) counts as none: the database rebuilds it.
    if (revoked === null) return null;
    return {
      revoked: revoked === '1',
      restriction: (restriction || null) as SessionRestriction | null,
      lastActiveAt: Number(lastActiveAt ?? 0),
    };
  }

  async put(sessionId: string, state: SharedSession, expiresAt: number): Promise<void> {
    const ttl = Math.max(1, Math.min(ENTRY_TTL_MS, expiresAt - Date.now()));
    await this.client()
      .multi()
      .hset(this.key(sessionId), {
        r: state.revoked ? '1' : '0',
        x: state.restriction ?? '',
        a: String(state.lastActiveAt),
      })
      .pexpire(this.key(sessionId), ttl)
      .exec();
  }

  async touch(sessionId: string, lastActiveAt: number): Promise<void> {
    await this.update(sessionId, 'a', String(lastActiveAt));
  }

  async liftRestriction(sessionId: string): Promise<void> {
    await this.update(sessionId, 'x', '');
  }

  /** Changes one field without ever extending the entry's life (NX: only a key without expiry gets one). */
  private async update(sessionId: string, field: string, value: string): Promise<void> {
    await this.client()
      .multi()
      .hset(this.key(sessionId), field, value)
      .pexpire(this.key(sessionId), ENTRY_TTL_MS, 'NX')
      .exec();
  }

  /** Marks sessions revoked; when Redis cannot be written now, retries on a later call. */
  async revoke(sessionIds: string[]): Promise<void> {
    if (!sessionIds.length) return;
    try {
      const multi = this.client().multi();
      for (const id of sessionIds) multi.hset(this.key(id), 'r', '1').pexpire(this.key(id), ENTRY_TTL_MS);
      await multi.exec();
    } catch (err) {
      for (const id of sessionIds) this.pendingRevocations.add(id);
      this.logger.warn({ err, count: sessionIds.length }, 'revocations kept for Redis until it answers');
    }
  }

  private async flushPending(): Promise<void> {
    const ids = [...this.pendingRevocations];
    this.pendingRevocations.clear();
    await this.revoke(ids);
  }
}
