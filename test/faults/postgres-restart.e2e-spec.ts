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
  sleep,
  startPostgres,
  startService,
  summarize,
  tempDir,
  underLoad,
} from './support';

/**
 * PostgreSQL goes away under write load and comes back on the same port: while it is down every request
 * fails fast with 503 (no hang), the pool reconnects by itself, and every write acknowledged with 201 is in
 * the database afterwards, complete.
 */
describe('Fault: PostgreSQL stopped and restarted under load', () => {
  const dir = tempDir('restart');
  let pg: PostgresProcess | undefined;
  let service: Child | undefined;
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails fast with 503 while it is down, reconnects, and loses no acknowledged write', async () => {
    const pgDir = join(dir, 'pg');
    const port = await freePort();
    pg = await startPostgres(pgDir, port);
    service = await startService(pg.url, join(dir, 'app'));
    const token = await adminToken(service);

    let done = false;
    const load = underLoad(
      6,
      () => done,
      () => createUser(service!, token, 'restart_'),
    );
    await sleep(1000);
    await pg.stop();
    const downAt = Date.now();
    await sleep(2000);
    // PostgreSQL may accept connections before startPostgres() resolves: "down" ends when the restart begins.
    const restartAt = Date.now();
    pg = await startPostgres(pgDir, port);
    const upAt = Date.now();
    await sleep(2500);
    done = true;
    const outcomes: Outcome[] = await load;

    const whileDown = outcomes.filter((o) => o.startedAt > downAt && o.startedAt + o.ms < restartAt);
    const settled = outcomes.filter((o) => o.startedAt > upAt + 1000);
    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.userId!);
    const { found, partial } = await completeUsers(pg.url, acknowledged);
    console.log(
      `PostgreSQL restart: ${outcomes.length} requests ${JSON.stringify(summarize(outcomes))}; ` +
        `while down ${whileDown.length} requests ${JSON.stringify(summarize(whileDown))}, ` +
        `slowest ${Math.max(...whileDown.map((o) => o.ms))} ms; ` +
        `requests acknowledged / rows found: ${acknowledged.length} / ${found}`,
    );

    if (outcomes.some((o) => o.status === 'network error')) console.log(service.output().slice(-6000));
    expect(whileDown.length).toBeGreaterThan(0);
    expect(new Set(whileDown.map((o) => o.status))).toEqual(new Set([503]));
    for (const o of whileDown) expect(o.ms).toBeLessThan(2000);
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    expect(settled.length).toBeGreaterThan(0);
    expect(settled.filter((o) => o.status !== 201)).toEqual([]);
    expect(found).toBe(acknowledged.length);
    expect(partial).toEqual([]);
  });
});
