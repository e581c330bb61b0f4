import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RedisService } from './redis.service';

export type InvalidationTopic = 'permissions' | 'tenant' | 'apikey' | 'apikey.user' | 'user';

type Handler = (key: string) => void;

/**
 * Tells every instance that something cached has changed. Handlers run at once for changes made here,
 * and on the other instances when Redis delivers the message (sub-millisecond on a LAN). Without Redis
 * there is only this instance.
 */
@Injectable()
export class InvalidationBus implements OnModuleInit {
  private readonly logger = new Logger('InvalidationBus');
  private readonly instanceId = randomUUID();
  private readonly handlers = new Map<InvalidationTopic, Handler[]>();

  constructor(private readonly redis: RedisService) {}

  onModuleInit(): void {
    const sub = this.redis.subscriber;
    if (!sub) return;
    sub.on('message', (_channel: string, raw: string) => {
      try {
        const { from, topic, key } = JSON.parse(raw) as { from: string; topic: InvalidationTopic; key: string };
        if (from !== this.instanceId) this.dispatch(topic, key);
      } catch (err) {
        this.logger.warn({ err }, 'ignored a malformed invalidation message');
      }
    });
    // Not awaited: with Redis down at start the subscription is made when it comes up (ioredis
    // re-subscribes on every reconnect), and the service starts regardless.
    sub
      .subscribe(this.redis.key('invalidate'))
      .catch((err: unknown) => this.logger.warn({ err }, 'could not subscribe'));
  }

  on(topic: InvalidationTopic, handler: Handler): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  publish(topic: InvalidationTopic, key: string): void {
    this.dispatch(topic, key);
    // While Redis is down other instances cannot hear this; their caches' short lifetimes bound the staleness.
    if (!this.redis.ready) return;
    this.redis.client
      ?.publish(this.redis.key('invalidate'), JSON.stringify({ from: this.instanceId, topic, key }))
      .catch((err: unknown) => this.logger.warn({ err }, 'could not publish an invalidation'));
  }

  private dispatch(topic: InvalidationTopic, key: string): void {
    for (const handler of this.handlers.get(topic) ?? []) handler(key);
  }
}
