import { Module } from '@nestjs/common';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { RedisService } from '../../cache/redis.service';
import { FixedWindowThrottlerStorage } from './fixed-window.storage';
import { RedisFixedWindowThrottlerStorage } from './redis-fixed-window.storage';
import { RATE_LIMIT_CLASSES, RateLimitClass, rateLimitClassOf } from './rate-limit';

/** Where the counts live: in Redis when REDIS_URL is set (shared by every instance), else in process memory. */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [RedisService],
      useFactory: (redis: RedisService) =>
        redis.enabled ? new RedisFixedWindowThrottlerStorage(redis) : new FixedWindowThrottlerStorage(),
    },
  ],
  exports: [RATE_LIMIT_STORAGE],
})
class RateLimitStorageModule {}

const WINDOW_MS = 60_000;

function perMinute(config: AppConfig, limitClass: RateLimitClass): number {
  return limitClass === 'login' ? config.rateLimitLoginPerMinute : config.rateLimitPublicPerMinute;
}

/**
 * One named throttler per limit class; a route is counted only by the class it declared with @RateLimit(),
 * and a limit of 0 turns its class off.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [AppConfig, RATE_LIMIT_STORAGE],
      useFactory: (config: AppConfig, storage: ThrottlerStorage) => ({
        storage,
        setHeaders: false,
        throttlers: RATE_LIMIT_CLASSES.map((name) => ({
          name,
          ttl: WINDOW_MS,
          limit: perMinute(config, name),
          skipIf: (context) => rateLimitClassOf(context) !== name || perMinute(config, name) === 0,
        })),
      }),
    }),
  ],
})
export class RateLimitModule {}
