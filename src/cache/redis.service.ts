import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * The Redis connections of this instance when REDIS_URL is set: one for commands, one for subscriptions.
 * Commands fail fast while Redis is unreachable (no offline queue, one retry) so callers can fall back
 * to PostgreSQL instead of hanging; the client keeps reconnecting in the background.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | undefined;
  readonly subscriber: Redis | undefined;
  private readonly prefix: string;

  constructor(config: AppConfig) {
    this.prefix = config.redisPrefix;
    if (!config.redisUrl) return;
    const options = {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      commandTimeout: 1000,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    };
    this.client = new Redis(config.redisUrl, { ...options, connectionName: 'dotmac' });
    this.subscriber = new Redis(config.redisUrl, {
      ...options,
      enableOfflineQueue: true,
      commandTimeout: undefined,
      maxRetriesPerRequest: null,
      connectionName: 'dotmac-sub',
    });
    let down = false;
    for (const c of [this.client, this.subscriber]) {
      c.on('error', (err: Error) => {
        if (!down) this.logger.warn(`Redis unavailable (${err.message}); falling back where possible`);
        down = true;
      });
      c.on('ready', () => {
        if (down) this.logger.log('Redis is back');
        down = false;
      });
    }
  }

  /** A key (or channel) name in this deployment's namespace. */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  /** Whether the command connection is usable right now. */
  get ready(): boolean {
    return this.client?.status === 'ready';
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [this.client, this.subscriber].map(async (c) => {
        if (!c || c.status === 'end') return;
        if (c.status !== 'ready') {
          c.disconnect(false);
          return;
        }
        await c.quit().catch(() => c.disconnect());
      }),
    );
  }
}
