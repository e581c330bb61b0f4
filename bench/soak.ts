import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { Child, launch, post, rssOf } from './support';

/**
 * `npm run bench:soak`: mixed, realistic traffic against the built service for a bounded time (10 minutes;
 * SOAK_SECONDS to change it), then the error rate, latency percentiles per operation and the memory of the
 * service process over the run (RSS sampled from /proc, heap from /metrics): does it leak?
 *
 * Each virtual user signs in as one of the seeded accounts, then works in that session (its own account,
 * searches, profile changes, token refreshes, its session list) and signs out, again and again.
 *
 *   SOAK_SECONDS (600)  SOAK_CONCURRENCY (16)  SOAK_USERS (100)  BENCH_BCRYPT_ROUNDS (10)
 *   DATABASE_URL: bench against that PostgreSQL; otherwise an embedded one is started.
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
const USERS = Number(process.env.SOAK_USERS ?? 100);
const ROUNDS = Number(process.env.BENCH_BCRYPT_ROUNDS ?? 10);
const SAMPLE_MS = 5_000;
const ADMIN_PASSWORD = 'Soak-Admin-Password-1!';
/** Memory is judged after this share of the run (the service warms up: JIT, pools, caches). */
const WARM_UP = 0.2;
/** Growth of the resident set between the warmed-up start and the end that counts as a leak. */
const LEAK_THRESHOLD = 0.15;
const MAX_ERROR_RATE = 0.001;

type Operation = 'login' | 'me' | 'search' | 'update profile' | 'refresh' | 'sessions' | 'logout';

interface MemorySample {
  at: number;
  rss: number | undefined;
  heapUsed: number | undefined;
}

const latencies = new Map<Operation, number[]>();
const errors = new Map<string, number>();
let requests = 0;

const NAMES = ['Ana', 'Björn', 'Chloé', 'Dmitri', 'Emma', 'François', 'Jürgen', 'Mia', 'Noah', 'Søren', 'Wei', 'Zoë'];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];

async function call(
  port: number,
  op: Operation,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  o: { body?: unknown; token?: string; expect: number },
): Promise<any> {
  const started = performance.now();
  let status: number | string;
  let body: unknown;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v2${path}`, {
      method,
      headers: {
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      },
      body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    status = res.status;
    body = res.status === 204 ? undefined : await res.json();
  } catch (err) {
    status = err instanceof Error ? err.name : 'network error';
  }
  const ms = performance.now() - started;
  requests++;
  const samples = latencies.get(op) ?? [];
  samples.push(ms);
  latencies.set(op, samples);
  if (status !== o.expect) {
    const key = `${op}: ${status}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
    return undefined;
  }
  return body;
}

/** One virtual user: sign in, a few minutes' worth of work compressed, sign out; until the time is up. */
async function virtualUser(port: number, accounts: { username: string; password: string }[], until: number) {
  while (Date.now() < until) {
    const account = pick(accounts);
    const session = await call(port, 'login', 'POST', '/auth/login', { body: account, expect: 200 });
    if (!session) continue;
    let { accessToken, refreshToken } = session as { accessToken: string; refreshToken: string };
    const steps = 5 + Math.floor(Math.random() * 10);
    for (let i = 0; i < steps && Date.now() < until; i++) {
      const r = Math.random();
      if (r < 0.45) {
        await call(port, 'me', 'GET', '/users/me', { token: accessToken, expect: 200 });
      } else if (r < 0.65) {
        await call(port, 'search', 'POST', '/users/search', {
          token: accessToken,
          body: { query: pick(NAMES).slice(0, 3).toLowerCase(), pageSize: 20 },
          expect: 200,
        });
      } else if (r < 0.8) {
        await call(port, 'update profile', 'PUT', '/users/me', {
          token: accessToken,
          body: {
            profile: { jobTitle: `Agent ${Math.floor(Math.random() * 1000)}` },
            preferences: { theme: pick(['light', 'dark', 'system']) },
          },
          expect: 200,
        });
      } else if (r < 0.92) {
        const pair = await call(port, 'refresh', 'POST', '/auth/refresh', { body: { refreshToken }, expect: 200 });
        if (!pair) break;
        ({ accessToken, refreshToken } = pair as { accessToken: string; refreshToken: string });
      } else {
        await call(port, 'sessions', 'GET', '/sessions', { token: accessToken, expect: 200 });
      }
    }
    await call(port, 'logout', 'POST', '/auth/logout', { token: accessToken, expect: 204 });
  }
}

async function heapUsed(port: number): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
    return value === undefined ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function seed(port: number): Promise<{ username: string; password: string }[]> {
  const admin = await post<{ accessToken: string }>(port, '/api/v2/auth/login', {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  const accounts: { username: string; password: string }[] = [];
  for (let from = 0; from < USERS; from += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, USERS - from) }, async (_, k) => {
        const i = from + k;
        const username = `soak.user${i}`;
        const password = `Soak-Pass-${i}-Xq!`;
        await post(
          port,
          '/api/v2/users',
          {
            username,
            email: `${username}@example.test`,
            firstName: pick(NAMES),
            lastName: `Soak${i}`,
            userType: 'support',
            password,
          },
          admin.accessToken,
        );
        accounts.push({ username, password });
      }),
    );
  }
  return accounts;
}

async function main(): Promise<void> {
  console.log(
    `DotMac soak — ${SECONDS} s, ${CONCURRENCY} virtual users over ${USERS} accounts, bcrypt cost ${ROUNDS}, ` +
      `${availableParallelism()} cores, node ${process.version}`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'dm-soak-'));
  chmodSync(dataDir, 0o755); // embedded PostgreSQL, run as `postgres` when we are root, must reach its data
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(join(dataDir, 'db'));
  let app: Child | undefined;
  const memory: MemorySample[] = [];
  try {
    app = await launch(
      'src/main.js',
      {
        PORT: String(await freePort()),
        DATABASE_URL: process.env.DATABASE_URL ?? embedded!.url,
        DATA_DIR: dataDir,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        BCRYPT_ROUNDS: String(ROUNDS),
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        RATE_LIMIT_LOGIN_PER_MINUTE: '0',
        RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
        REQUIRE_MFA_FOR_ADMIN: 'false',
        ACCOUNT_LOCKOUT_ATTEMPTS: '100',
      },
      '/health/ready',
    );
    const port = app.port;
    const pid = app.proc.pid;
    console.log(`- seeding ${USERS} accounts`);
    const accounts = await seed(port);

    console.log('- traffic');
    const started = Date.now();
    const until = started + SECONDS * 1000;
    const sample = async () =>
      memory.push({ at: Date.now() - started, rss: rssOf(pid), heapUsed: await heapUsed(port) });
    await sample();
    const sampler = setInterval(() => void sample(), SAMPLE_MS);
    const progress = setInterval(() => {
      const elapsed = (Date.now() - started) / 1000;
      const last = memory.at(-1);
      console.log(
        `  ${elapsed.toFixed(0)} s: ${requests} requests, ${[...errors.values()].reduce((a, b) => a + b, 0)} errors, ` +
          `RSS ${last?.rss ? mib(last.rss) : '?'}`,
      );
    }, 60_000);
    await Promise.all(Array.from({ length: CONCURRENCY }, () => virtualUser(port, accounts, until)));
    clearInterval(sampler);
    clearInterval(progress);
    await sample();
    const duration = (Date.now() - started) / 1000;

    // ---- the report ----
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    const errorRate = errorCount / Math.max(1, requests);
    console.log('');
    console.log(`requests   ${requests} in ${duration.toFixed(0)} s (${(requests / duration).toFixed(0)}/s)`);
    console.log(
      `errors     ${errorCount} (${(errorRate * 100).toFixed(3)} %)${errorCount ? ` ${JSON.stringify(Object.fromEntries(errors))}` : ''}`,
    );
    const all = [...latencies.values()].flat().sort((a, b) => a - b);
    console.log('');
    console.log(
      `${'latency (ms)'.padEnd(16)}${'count'.padStart(8)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(9)}`,
    );
    const row = (name: string, xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      console.log(
        `${name.padEnd(16)}${String(s.length).padStart(8)}${percentile(s, 0.5).toFixed(1).padStart(8)}` +
          `${percentile(s, 0.95).toFixed(1).padStart(8)}${percentile(s, 0.99).toFixed(1).padStart(8)}${s[s.length - 1].toFixed(0).padStart(9)}`,
      );
    };
    for (const [op, xs] of latencies) row(op, xs);
    row('all', all);

    const warm = memory.filter((m) => m.at >= WARM_UP * SECONDS * 1000);
    const third = Math.max(1, Math.floor(warm.length / 3));
    const rss = (ms: MemorySample[]) => ms.map((m) => m.rss).filter((v): v is number => v !== undefined);
    const heap = (ms: MemorySample[]) => ms.map((m) => m.heapUsed).filter((v): v is number => v !== undefined);
    const early = warm.slice(0, third);
    const late = warm.slice(-third);
    console.log('');
    let leak = false;
    if (rss(warm).length >= 2) {
      const [from, to] = [median(rss(early)), median(rss(late))];
      const growth = (to - from) / from;
      leak = growth > LEAK_THRESHOLD;
      console.log(
        `memory     RSS at start ${mib(rss(memory)[0])}; after warm-up ${mib(from)} → end ${mib(to)} ` +
          `(${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %), peak ${mib(Math.max(...rss(memory)))}; ` +
          `${memory.length} samples every ${SAMPLE_MS / 1000} s`,
      );
    } else {
      console.log('memory     too few samples after warm-up (run longer)');
    }
    if (heap(warm).length >= 2) {
      console.log(`           heap used after warm-up ${mib(median(heap(early)))} → end ${mib(median(heap(late)))}`);
    }
    console.log('');
    console.log(
      `verdict    error rate ${errorRate <= MAX_ERROR_RATE ? 'ok' : 'TOO HIGH'} (≤ ${MAX_ERROR_RATE * 100} %); memory ${leak ? `GROWS (> ${LEAK_THRESHOLD * 100} % after warm-up)` : 'stable (no leak)'}`,
    );
    if (errorRate > MAX_ERROR_RATE || leak) process.exitCode = 1;
  } finally {
    await app?.stop();
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
