import { prepared } from '../src/database/prepared-statements';
import { poolOf } from '../src/database/pool-errors';
import { createUser } from './support/fixtures';
import { TestApp, login, startTestApp } from './support/test-app';

/** What one connection of the service's pool has prepared, after running the given statements on it. */
async function preparedAfter(
  t: TestApp,
  run: (query: (sql: string, params: unknown[]) => Promise<unknown>) => Promise<void>,
) {
  const runner = t.db.createQueryRunner();
  try {
    await run((sql, params) => runner.query(sql, params));
    const rows: { statement: string }[] = await runner.query(`SELECT statement FROM pg_prepared_statements`);
    return rows.map((r) => r.statement);
  } finally {
    await runner.release();
  }
}

const HOT = prepared(`SELECT $1::int + 1 AS n /* hot, prepared-statements e2e */`);
const COLD = `SELECT $1::int + 1 AS n /* cold, prepared-statements e2e */`;

describe('Prepared statements', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('a statement marked hot is prepared once per connection and answers as before; others are not', async () => {
    const answers: unknown[] = [];
    const statements = await preparedAfter(t, async (query) => {
      answers.push(await query(HOT, [41]), await query(HOT, [1]), await query(COLD, [2]));
    });
    expect(answers).toEqual([[{ n: 42 }], [{ n: 2 }], [{ n: 3 }]]);
    expect(statements.filter((s) => s.includes('prepared-statements e2e'))).toEqual([HOT]);
  });

  it('a statement kept prepared across a change of a column it returns answers unprepared on that connection', async () => {
    await t.db.query(`CREATE TABLE prepared_e2e (x int)`);
    await t.db.query(`INSERT INTO prepared_e2e VALUES (1)`);
    const sql = prepared(`SELECT x FROM prepared_e2e WHERE x::text = $1`);
    const runner = t.db.createQueryRunner();
    try {
      expect(await runner.query(sql, ['1'])).toEqual([{ x: 1 }]);
      // A migration, run by another instance while this connection keeps its plan.
      await t.db.query(`ALTER TABLE prepared_e2e ALTER COLUMN x TYPE text`);
      expect(await runner.query(sql, ['1'])).toEqual([{ x: '1' }]);
      expect(await runner.query(sql, ['1'])).toEqual([{ x: '1' }]);
    } finally {
      await runner.release();
    }
  });

  it('the sign-in runs on prepared statements', async () => {
    const user = await createUser(t);
    await login(t, user.username, user.password);
    // The connections that served the sign-in have its statements prepared: hold every connection at once.
    const runners = Array.from({ length: poolOf(t.db)!.totalCount }, () => t.db.createQueryRunner());
    try {
      const statements = await Promise.all(
        runners.map(
          async (r) => (await r.query(`SELECT statement FROM pg_prepared_statements`)) as { statement: string }[],
        ),
      );
      expect(statements.flat().some((s) => s.statement.includes('INSERT INTO user_sessions_v2'))).toBe(true);
    } finally {
      await Promise.all(runners.map((r) => r.release()));
    }
  });
});

describe('Prepared statements off (DATABASE_PREPARED_STATEMENTS=false, for PgBouncer in transaction mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_PREPARED_STATEMENTS: 'false' });
  });
  afterAll(() => t.close());

  it('prepares nothing, and the hot statements still answer', async () => {
    const answers: unknown[] = [];
    const statements = await preparedAfter(t, async (query) => {
      answers.push(await query(HOT, [41]));
    });
    expect(answers).toEqual([[{ n: 42 }]]);
    expect(statements).toEqual([]);
  });
});
