import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Child } from '../../bench/support';
import { freePort } from '../../src/database/embedded-postgres';
import {
  Outcome,
  PostgresProcess,
  adminToken,
  completeUsers,
  createUser,
  startPostgres,
  startService,
  summarize,
  tempDir,
} from './support';

const STATEMENT_TIMEOUT_MS = 1000;

/**
 * A database too slow to answer (here: a table locked by another session) makes requests fail with 503
 * once DATABASE_STATEMENT_TIMEOUT_MS is over, instead of hanging; when it is fast again, so is the service.
 */
describe('Fault: slow database', () => {
  const dir = tempDir('slow');
  let pg: PostgresProcess | undefined;
  let service: Child | undefined;
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a statement timeout answers 503 quickly, and the service recovers once the database does', async () => {
    pg = await startPostgres(join(dir, 'pg'), await freePort());
    service = await startService(pg.url, join(dir, 'app'), {
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    });
    const token = await adminToken(service);

    const locker = new Client({ connectionString: pg.url });
    await locker.connect();
    let whileLocked: Outcome[];
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users_v2 IN ACCESS EXCLUSIVE MODE');
      whileLocked = await Promise.all(Array.from({ length: 30 }, () => createUser(service!, token, 'slow_')));
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const after = await Promise.all(Array.from({ length: 10 }, () => createUser(service!, token, 'slow_')));
    const acknowledged = [...whileLocked, ...after].filter((o) => o.status === 201).map((o) => o.userId!);
    const { found, partial } = await completeUsers(pg.url, acknowledged);
    console.log(
      `Slow database (statement timeout ${STATEMENT_TIMEOUT_MS} ms, users_v2 locked): ${whileLocked.length} requests ` +
        `${JSON.stringify(summarize(whileLocked))}, slowest ${Math.max(...whileLocked.map((o) => o.ms))} ms; ` +
        `after the lock ${JSON.stringify(summarize(after))}; requests acknowledged / rows found: ${acknowledged.length} / ${found}`,
    );

    expect(whileLocked.map((o) => [o.status, o.retryAfter])).toEqual(Array(30).fill([503, '1']));
    for (const o of whileLocked) expect(o.ms).toBeLessThan(5 * STATEMENT_TIMEOUT_MS);
    expect(after.map((o) => o.status)).toEqual(Array(10).fill(201));
    expect(found).toBe(acknowledged.length);
    expect(partial).toEqual([]);
  });
});
