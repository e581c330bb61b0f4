import type { DataSource } from 'typeorm';
import { InvalidationBus } from '../cache/invalidation-bus';
import { RedisService } from '../cache/redis.service';
import { AppConfig } from '../config/app-config';
import { PermissionResolver } from './permission-resolver';

/** The bus of a single instance (no Redis). */
const localBus = () => new InvalidationBus(new RedisService(Object.assign(new AppConfig(), { redisPrefix: 'test:' })));

/** A data source whose queries wait until the test releases them, counting them. */
function fakeDataSource(granted: string[]) {
  const pending: (() => void)[] = [];
  let queries = 0;
  const dataSource = {
    query: () => {
      queries++;
      return new Promise((resolve) => pending.push(() => resolve(granted.map((permission) => ({ permission })))));
    },
  } as unknown as DataSource;
  return { dataSource, release: () => pending.splice(0).forEach((f) => f()), queries: () => queries };
}

describe('PermissionResolver', () => {
  it('answers from its cache until invalidated', async () => {
    const db = fakeDataSource(['audit:read']);
    const resolver = new PermissionResolver(db.dataSource, localBus());
    const first = resolver.forUser('t', 'u', 'customer');
    db.release();
    expect(await first).toEqual(new Set(['audit:read']));
    await resolver.forUser('t', 'u', 'customer');
    expect(db.queries()).toBe(1);
    resolver.invalidate('u');
    const again = resolver.forUser('t', 'u', 'customer');
    db.release();
    await again;
    expect(db.queries()).toBe(2);
  });

  it('does not answer from the entry of another user type', async () => {
    const db = fakeDataSource([]);
    const resolver = new PermissionResolver(db.dataSource, localBus());
    const first = resolver.forUser('t', 'u', 'customer');
    db.release();
    await first;
    const promoted = resolver.forUser('t', 'u', 'support');
    db.release();
    expect((await promoted).has('audit:read')).toBe(true);
  });

  it('does not cache what a lookup read before an invalidation that raced with it', async () => {
    const db = fakeDataSource(['audit:read']);
    const resolver = new PermissionResolver(db.dataSource, localBus());
    const stale = resolver.forUser('t', 'u', 'customer');
    resolver.invalidate('u'); // e.g. the role was taken away while the query ran
    db.release();
    await stale;
    const next = resolver.forUser('t', 'u', 'customer');
    db.release();
    await next;
    expect(db.queries()).toBe(2);
  });
});
