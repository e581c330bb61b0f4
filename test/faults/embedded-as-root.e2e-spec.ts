import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/database/embedded-postgres';
import { startPostgres } from './support';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * `npm start` as root in a checkout under /root (mode 0700): PostgreSQL refuses to run as root, so it runs as
 * the `postgres` user, which cannot enter /root. Only root can run this.
 */
const asRoot = process.getuid?.() === 0;

(asRoot ? describe : describe.skip)('embedded PostgreSQL started by root under a directory others cannot enter', () => {
  const home = mkdtempSync(join(tmpdir(), 'dm-root-home-')); // mode 0700, as /root
  const shared = mkdtempSync(join(tmpdir(), 'dm-shared-'));
  const dataDir = join(home, 'checkout', '.data');
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(join(shared, 'data'), { recursive: true, force: true });
  });

  it('keeps the data where the postgres user can reach it, says where, and keeps it across restarts', async () => {
    const first = await startPostgres(dataDir, await freePort(), shared);
    try {
      expect(first.dataDirectory.startsWith(join(shared, 'data'))).toBe(true);
      expect(first.notices).toContainEqual(
        `PostgreSQL's data is in ${first.dataDirectory}: the postgres user cannot enter ${dataDir}`,
      );
      await query(first.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    } finally {
      await first.stop();
    }

    const second = await startPostgres(dataDir, await freePort(), shared);
    try {
      expect(second.dataDirectory).toBe(first.dataDirectory);
      await expect(query(second.url, 'SELECT v FROM kept')).resolves.toEqual([{ v: 42 }]);
    } finally {
      await second.stop();
    }
  });

  it('starts afresh once DATA_DIR is deleted, as it does when the data lives inside DATA_DIR', async () => {
    rmSync(dataDir, { recursive: true, force: true });
    const db = await startPostgres(dataDir, await freePort(), shared);
    try {
      await expect(query(db.url, 'SELECT v FROM kept')).rejects.toThrow('relation "kept" does not exist');
    } finally {
      await db.stop();
    }
  });
});
