import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisService } from '../../cache/redis.service';
import { FixedWindowThrottlerStorage } from './fixed-window.storage';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The fixed-window counts in Redis, shared by every instance: INCR of `rl:<key>:<window>` expiring with
 * its window. While Redis is unreachable each instance counts on its own (the in-process storage), so
 * limits still hold per instance rather than vanishing.
 */
export class RedisFixedWindowThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly fallback = new FixedWindowThrottlerStorage();

  constructor(private readonly redis: RedisService) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const client = this.redis.client;
    if (!client || client.status !== 'ready') return this.fallback.increment(key, ttl, limit);
    const now = Date.now();
    const window = Math.floor(now / ttl);
    const endsAt = (window + 1) * ttl;
    const redisKey = this.redis.key('rl', key, String(window));
    try {
      const results = await client
        .multi()
        .incr(redisKey)
        .pexpireat(redisKey, endsAt + 1000)
        .exec();
      const hits = Number(results?.[0]?.[1]);
      const timeToExpire = Math.max(1, Math.ceil((endsAt - now) / 1000));
      const isBlocked = hits > limit;
      return { totalHits: hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
    } catch (err) {
      this.logger.warn({ err }, 'Redis did not count this request; counting in process');
      return this.fallback.increment(key, ttl, limit);
    }
  }
}
