import autocannon from 'autocannon';
import Redis from 'ioredis';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { Child, cpuSecondsOf, launch, post, postgresCpuSeconds, runNode } from './support';

/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run on the same
 * machine, because absolute rates on a shared machine are noise.
 *
 *   login/s            vs bare bcrypt hashes/s at the same cost (goal ≥ 85 %)
 *   GET /users/me /s   vs a bare Fastify hello route (goal ≥ 35 %), and what bare Nest with the service's
 *                      global guard, interceptor and request context reaches with the same answer
 *   refresh/s          per core of CPU the service used (goal ≥ 1,500), of service + PostgreSQL, of the machine
 *
 * The service runs as its own process (as in production); the load generator runs here. This machine's
 * speed drifts within seconds, so the two sides of each ratio are measured in short alternating runs
 * (BENCH_PAIRS rounds, default 7, of BENCH_SECONDS, default 3) and the ratio is the median of the rounds'
 * ratios, printed with their spread. Set
 * DATABASE_URL to bench against a given PostgreSQL (otherwise an embedded one is started), and REDIS_URL
 * to run the service as one of several instances would (also prints Redis memory per session).
 */
/** Each run of a pair: short, so that the machine's speed changes little between its two sides. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** The refresh run, which has no baseline to alternate with: long enough for a steady CPU reading. */
const REFRESH_SECONDS = Number(process.env.BENCH_REFRESH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_BCRYPT_ROUNDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Each HTTP run is preceded by this much unmeasured load, so that both sides of a ratio are warm (JIT, pools). */
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ADMIN_PASSWORD = 'Bench-Admin-Password-1!';
const REDIS_PREFIX = `bench${process.pid}:`;

/** Rounds of each pair of loads compared (hello and /users/me, login and bare bcrypt), alternating. */
const PAIRS = Number(process.env.BENCH_PAIRS ?? 7);

/**
 * The load for `seconds`, after WARMUP seconds of the same load that are not counted (when `warm`). The
 * requests the warm-up leaves in flight are abandoned by the client but still served (a login's hash
 * cannot be called back), so the measured run waits until they are done.
 */
async function measure(options: autocannon.Options, warm = true, seconds = SECONDS): Promise<autocannon.Result> {
  if (warm) await warmUp(options);
  return autocannon({ ...options, duration: seconds });
}

async function warmUp(options: autocannon.Options): Promise<void> {
  if (WARMUP <= 0) return;
  await autocannon({ ...options, duration: WARMUP });
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

/**
 * `measure()`, plus the CPU the server process used per successful answer (µs, from /proc). Unlike the
 * rate, this does not depend on whether the scheduler gave the server a core of its own or made it share
 * one with the load generator, which on two cores decides a bare Fastify route's rate (twofold) more than
 * anything the route does.
 */
async function measureWithCpu(
  options: autocannon.Options,
  serverPid: number | undefined,
  warm: boolean,
): Promise<{ run: autocannon.Result; cpuMicros: number }> {
  if (warm) await warmUp(options);
  const before = cpuSecondsOf(serverPid);
  const run = await measure(options, false);
  return { run, cpuMicros: ((cpuSecondsOf(serverPid) - before) * 1e6) / run['2xx'] };
}

/** Successful answers per second: a failed request is not throughput (checkErrors reports them). */
function rate(r: autocannon.Result): number {
  return r['2xx'] / r.duration;
}

function checkErrors(name: string, r: autocannon.Result): void {
  if (r.errors || r.timeouts || r.non2xx) {
    console.warn(`  ! ${name}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx responses`);
  }
}

const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(1)} %`;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : 1);
/** The median of the rounds' ratios, with their spread: `36.4 % (median of 7 rounds: 24.0–40.1 %)`. */
const medianRatio = (ratios: number[]) =>
  `${pct(median(ratios), 1)} (median of ${ratios.length} rounds: ${pct(Math.min(...ratios), 1).slice(0, -2)}–${pct(Math.max(...ratios), 1)})`;
/** Rates of every round, as `min–max/s`. */
const span = (rates: number[]) => `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}/s`;

/** One load of the alternating comparison, with what each of its rounds measured. */
interface Series {
  rates: number[];
  /** Server CPU per successful answer, µs. */
  cpu: number[];
  p99: number[];
  /** One round: the load (after a warm-up when `warm`), its rate, CPU and p99 kept. */
  measure(warm: boolean): Promise<void>;
}

function series(name: string, load: autocannon.Options, server: Child): Series {
  const s: Series = {
    rates: [],
    cpu: [],
    p99: [],
    async measure(warm) {
      const { run, cpuMicros } = await measureWithCpu(load, server.proc.pid, warm);
      checkErrors(name, run);
      s.rates.push(rate(run));
      s.cpu.push(cpuMicros);
      s.p99.push(run.latency.p99);
    },
  };
  return s;
}

/** `target` against the `base` load round by round: by rate, and by server CPU per answer. */
function versus(base: Series, target: Series, label: string, goal = ''): [string, string, string][] {
  return [
    [`  ${label}, rate`, medianRatio(target.rates.map((r, i) => r / base.rates[i])), goal],
    [
      `  ${label}, server CPU per answer`,
      `${medianRatio(target.cpu.map((c, i) => base.cpu[i] / c))} ${fmt(median(target.cpu))} µs`,
      '',
    ],
  ];
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  console.log(
    `DotMac User Management benchmarks — ${cores} cores, node ${process.version}, ${PAIRS} rounds of ${SECONDS} s runs`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'dm-bench-'));
  chmodSync(dataDir, 0o755); // embedded PostgreSQL, run as `postgres` when we are root, must reach its data
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(join(dataDir, 'db'));
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.url;
  const rows: [string, string, string][] = [];
  let app: Child | undefined;
  let helloServer: Child | undefined;
  let bareNest: Child | undefined;
  try {
    // 1. The authenticated GET /users/me against bare Fastify: both servers stay up, and the two loads
    // alternate for PAIRS rounds, because this machine's speed drifts within seconds; the ratio is the
    // median of the rounds' ratios.
    helloServer = await launch('bench/hello-server.js', { PORT: String(await freePort()) }, '/hello');
    app = await launch(
      'src/main.js',
      {
        PORT: String(await freePort()),
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        BCRYPT_ROUNDS: String(ROUNDS),
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        RATE_LIMIT_LOGIN_PER_MINUTE: '0',
        RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
        REQUIRE_MFA_FOR_ADMIN: 'false',
        ACCOUNT_LOCKOUT_ATTEMPTS: '100',
        // With REDIS_URL set, the service runs as one of many instances would: session checks go to Redis.
        ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: REDIS_PREFIX } : {}),
      },
      '/health/ready',
    );
    const base = `http://127.0.0.1:${app.port}`;
    const session = await post(app.port, '/api/v2/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    const meLoad = {
      url: `${base}/api/v2/users/me`,
      connections: CONNECTIONS,
      headers: { authorization: `Bearer ${session.accessToken}` },
    };
    // The architecture's floor, answering what /users/me answers (see bench/nest-floor-server.ts).
    const meBody = await (await fetch(meLoad.url, { headers: meLoad.headers })).text();
    bareNest = await launch('bench/nest-floor-server.js', { PORT: String(await freePort()), BODY: meBody }, '/floor');
    const hello = series(
      'hello',
      { url: `http://127.0.0.1:${helloServer.port}/hello`, connections: CONNECTIONS },
      helloServer,
    );
    const nest = series(
      'bare Nest',
      { url: `http://127.0.0.1:${bareNest.port}/floor`, connections: CONNECTIONS },
      bareNest,
    );
    const me = series('users/me', meLoad, app);
    // The service's cheapest route (public, no data: what every route costs before its own work), as the
    // floor of any route's ratio in this architecture (Nest, the global guard and tenant interceptor, the
    // request context).
    const live = series('health/live', { url: `${base}/health/live`, connections: CONNECTIONS }, app);
    for (let round = 0; round < PAIRS; round++) {
      console.log(`- bare Fastify hello, bare Nest, GET /users/me, GET /health/live (round ${round + 1} of ${PAIRS})`);
      for (const target of [hello, nest, me, live]) await target.measure(round === 0);
    }
    await helloServer.stop();
    helloServer = undefined;
    await bareNest.stop();
    bareNest = undefined;
    rows.push([
      `GET /users/me (authenticated${process.env.REDIS_URL ? ', sessions in Redis' : ''})`,
      `${span(me.rates)}, p99 ${Math.max(...me.p99)} ms`,
      '',
    ]);
    if (process.env.REDIS_URL) {
      // Entries live 60 s and are rebuilt by the next request: make one, so that the session has its entry.
      await fetch(meLoad.url, { headers: meLoad.headers });
      const redis = new Redis(process.env.REDIS_URL);
      const bytes = Number(await redis.memory('USAGE', `${REDIS_PREFIX}ss:${session.sessionId}`));
      await redis.quit();
      rows.push(['Redis memory per active session', `${bytes} bytes`, '']);
    }
    rows.push(['bare Fastify hello', `${span(hello.rates)}, ${fmt(median(hello.cpu))} µs per answer`, '']);
    rows.push(...versus(hello, me, '/users/me vs bare Fastify', 'goal ≥ 35 %'));
    rows.push(...versus(hello, nest, 'bare Nest (see nest-floor-server.ts), same answer'));
    rows.push(...versus(hello, live, 'floor: GET /health/live vs bare Fastify'));

    console.log('- POST /auth/refresh');
    // 2. Refresh: a pool of live refresh tokens, one per connection; each request spends one and puts the
    // new one back (autocannon resets a connection's context after each request sequence). A run ends with
    // requests in flight whose new tokens are never read, so the warm-up and the measured run each start
    // from a pool of fresh sessions.
    const refreshLoad = async (): Promise<autocannon.Options> => {
      const pool: string[] = [];
      for (let i = 0; i < CONNECTIONS; i++) {
        pool.push(
          (await post(app!.port, '/api/v2/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).refreshToken,
        );
      }
      return {
        url: base,
        connections: CONNECTIONS,
        requests: [
          {
            method: 'POST',
            path: '/api/v2/auth/refresh',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ refreshToken: pool.shift() }) }),
            onResponse: (status, body) => {
              if (status === 200) pool.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
            },
          },
        ],
      };
    };
    await warmUp(await refreshLoad());
    const load = await refreshLoad();
    const serviceCpuBefore = cpuSecondsOf(app.proc.pid);
    // The embedded server's CPU only (with DATABASE_URL the server may be elsewhere, or shared: not counted).
    const postgresDir = embedded?.dataDirectory;
    const postgresCpuBefore = postgresDir ? postgresCpuSeconds(postgresDir) : 0;
    const refreshRun = await measure(load, false, REFRESH_SECONDS);
    const serviceCores = (cpuSecondsOf(app.proc.pid) - serviceCpuBefore) / refreshRun.duration;
    const postgresCores = postgresDir ? (postgresCpuSeconds(postgresDir) - postgresCpuBefore) / refreshRun.duration : 0;
    checkErrors('refresh', refreshRun);
    const refreshRate = rate(refreshRun);
    rows.push(['POST /auth/refresh', `${fmt(refreshRate)}/s (${fmt(refreshRate / cores)}/s per machine core)`, '']);
    // Per core of CPU used, as Keycloak's sizing guide counts its own (the database sized apart). The load
    // generator shares this machine, so the rate per machine core understates both.
    if (serviceCores > 0) {
      rows.push([
        `  per core of the service's CPU (${serviceCores.toFixed(2)} cores)`,
        `${fmt(refreshRate / serviceCores)}/s`,
        'goal ≥ 1,500/s per core',
      ]);
      if (postgresCores > 0) {
        rows.push([
          `  per core of service + PostgreSQL CPU (${(serviceCores + postgresCores).toFixed(2)} cores)`,
          `${fmt(refreshRate / (serviceCores + postgresCores))}/s`,
          '',
        ]);
      }
    }

    // 3. Login against bare bcrypt at the same cost, with as many in flight, alternating as above.
    const loginRates: number[] = [];
    const bcryptRates: number[] = [];
    for (let round = 0; round < PAIRS; round++) {
      console.log(`- POST /auth/login, then bare bcrypt (round ${round + 1} of ${PAIRS})`);
      const loginRun = await measure(
        {
          url: `${base}/api/v2/auth/login`,
          connections: CONNECTIONS,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
        },
        round === 0,
      );
      checkErrors('login', loginRun);
      loginRates.push(rate(loginRun));
      const bcrypt = JSON.parse(
        await runNode('bench/bcrypt-rate.js', {
          ROUNDS: String(ROUNDS),
          CONCURRENCY: String(CONNECTIONS),
          SECONDS: String(SECONDS),
        }),
      ) as { hashesPerSecond: number };
      bcryptRates.push(bcrypt.hashesPerSecond);
    }
    rows.push([`POST /auth/login (bcrypt cost ${ROUNDS})`, span(loginRates), '']);
    rows.push([`bare bcrypt hashes (cost ${ROUNDS})`, span(bcryptRates), '']);
    rows.push(['  login vs bare bcrypt', medianRatio(loginRates.map((l, i) => l / bcryptRates[i])), 'goal ≥ 85 %']);
  } finally {
    await app?.stop();
    await helloServer?.stop();
    await bareNest?.stop();
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const width = Math.max(...rows.map((r) => r[0].length));
  console.log('');
  for (const [name, value, goal] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(46)} ${goal}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
