import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Child } from '../../bench/support';
import { freePort } from '../../src/database/embedded-postgres';
import {
  Outcome,
  PostgresProcess,
  adminToken,
  completeUsers,
  createUser,
  halfWrittenUsers,
  sleep,
  startPostgres,
  startService,
  summarize,
  tempDir,
} from './support';

/**
 * SIGTERM while writes are in flight: the service stops taking requests, finishes the ones it has (each
 * ends in 2xx or a clean error, none in a 500 or a half-written account), and exits 0.
 */
describe('Fault: SIGTERM under load', () => {
  const dir = tempDir('sigterm');
  let pg: PostgresProcess | undefined;
  let service: Child | undefined;
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes in-flight requests, writes no half an account, and exits 0', async () => {
    pg = await startPostgres(join(dir, 'pg'), await freePort());
    service = await startService(pg.url, join(dir, 'app'));
    const token = await adminToken(service);

    let exited = false;
    void service.exited.then(() => (exited = true));
    const outcomes: Outcome[] = [];
    // Each worker writes until the service is gone (its first refused connection after the signal).
    const workers = Array.from({ length: 8 }, async () => {
      for (;;) {
        const o = await createUser(service!, token, 'term_');
        outcomes.push(o);
        if (o.status === 'network error' || exited) return;
      }
    });
    await sleep(1500);
    const signalledAt = Date.now();
    service.proc.kill('SIGTERM');
    const code = await service.exited;
    const exitMs = Date.now() - signalledAt;
    await Promise.all(workers);

    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.userId!);
    const { found, partial } = await completeUsers(pg.url, acknowledged);
    const halfWritten = await halfWrittenUsers(pg.url, 'term_');
    const inFlight = outcomes.filter((o) => o.startedAt < signalledAt && o.startedAt + o.ms > signalledAt);
    console.log(
      `SIGTERM under load: exit code ${code} after ${exitMs} ms; ${outcomes.length} requests ${JSON.stringify(summarize(outcomes))}; ` +
        `in flight at the signal ${JSON.stringify(summarize(inFlight))}; ` +
        `requests acknowledged / rows found: ${acknowledged.length} / ${found}; half-written accounts: ${halfWritten.length}`,
    );

    expect(code).toBe(0);
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.filter((o) => o.status !== 201)).toEqual([]);
    expect(outcomes.filter((o) => ![201, 503, 'network error'].includes(o.status))).toEqual([]);
    expect(found).toBe(acknowledged.length);
    expect(partial).toEqual([]);
    expect(halfWritten).toEqual([]);
  });
});
