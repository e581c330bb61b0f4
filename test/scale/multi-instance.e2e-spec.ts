import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { TestDatabase, createTestDatabase } from '../support/database';

/**
 * Two real service processes (the built dist/src/main.js) on one PostgreSQL and one Redis, as behind a
 * load balancer. Redis is a redis-server of the test's own, so that it can be stopped mid-test without
 * touching the machine's; without the binary (a machine with only Node) the suite says so and skips.
 */
const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const ADMIN_PASSWORD = 'Scale-Admin-Password-1!';

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const describeWithRedis = hasRedisServer() ? describe : describe.skip;
if (!hasRedisServer()) console.warn('multi-instance tests skipped: no redis-server binary on this machine');

async function waitFor(url: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

interface Instance {
  base: string;
  proc: ChildProcess;
}

async function call(
  i: Instance,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${i.base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describeWithRedis('two instances sharing PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let redis: ChildProcess;
  let redisPort: number;
  let a: Instance;
  let b: Instance;
  const dataDir = mkdtempSync(join(tmpdir(), 'dm-scale-'));

  const startRedis = async () => {
    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 50; i++) {
      try {
        execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], { stdio: 'ignore' });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error('redis-server did not start');
  };
  const stopRedis = () =>
    new Promise<void>((resolve) => {
      redis.once('exit', () => resolve());
      redis.kill('SIGKILL');
    });

  const startInstance = async (): Promise<Instance> => {
    const port = await freePort();
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DATA_DIR: dataDir,
      JWT_SECRET: 'scale-test-secret-scale-test-secret',
      ENCRYPTION_KEY: 'ab'.repeat(32),
      BCRYPT_ROUNDS: '4',
      LOG_LEVEL: 'silent',
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      REQUIRE_MFA_FOR_ADMIN: 'false',
      ACCOUNT_LOCKOUT_ATTEMPTS: '4',
      RATE_LIMIT_LOGIN_PER_MINUTE: '0',
    };
    const proc = spawn(process.execPath, [MAIN], { env, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/health/live`);
    return { base, proc };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    redisPort = await freePort();
    await startRedis();
    a = await startInstance();
    b = await startInstance();
  }, 60_000);

  afterAll(async () => {
    for (const i of [a, b]) i?.proc.kill('SIGTERM');
    await Promise.all([a, b].map((i) => i && new Promise((r) => i.proc.once('exit', r))));
    redis?.kill('SIGKILL');
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const login = async (i: Instance, username: string, password: string) =>
    call(i, 'POST', '/api/v2/auth/login', { username, password });

  it('a logout on instance A is refused on instance B on the very next request', async () => {
    const session = (await login(a, 'admin', ADMIN_PASSWORD)).body;
    expect((await call(b, 'GET', '/api/v2/users/me', undefined, session.accessToken)).status).toBe(200);
    expect((await call(a, 'POST', '/api/v2/auth/logout', undefined, session.accessToken)).status).toBe(204);
    expect((await call(b, 'GET', '/api/v2/users/me', undefined, session.accessToken)).status).toBe(401);
  });

  it('a suspension on A ends the user’s sessions on B at once', async () => {
    const admin = (await login(a, 'admin', ADMIN_PASSWORD)).body.accessToken;
    const created = await call(
      a,
      'POST',
      '/api/v2/users',
      {
        username: 'scale_user',
        email: 'scale_user@example.test',
        firstName: 'Scale',
        lastName: 'User',
        userType: 'customer',
        password: 'Scale-User-Pass-9!',
      },
      admin,
    );
    expect(created.status).toBe(201);
    const user = (await login(b, 'scale_user', 'Scale-User-Pass-9!')).body.accessToken;
    expect((await call(b, 'GET', '/api/v2/users/me', undefined, user)).status).toBe(200);
    expect((await call(a, 'POST', `/api/v2/users/${created.body.id}/suspend`, {}, admin)).status).toBe(200);
    expect((await call(b, 'GET', '/api/v2/users/me', undefined, user)).status).toBe(401);
  });

  it('shares the lockout: failures counted on both instances lock the account everywhere', async () => {
    const admin = (await login(a, 'admin', ADMIN_PASSWORD)).body.accessToken;
    await call(
      a,
      'POST',
      '/api/v2/users',
      {
        username: 'lock_user',
        email: 'lock_user@example.test',
        firstName: 'Lock',
        lastName: 'User',
        userType: 'customer',
        password: 'Lock-User-Pass-9!',
      },
      admin,
    );
    for (const i of [a, b, a, b]) expect((await login(i, 'lock_user', 'wrong-Password-1!')).status).toBe(401);
    expect((await login(b, 'lock_user', 'Lock-User-Pass-9!')).status).toBe(401);
    expect((await login(a, 'lock_user', 'Lock-User-Pass-9!')).status).toBe(401);
  });

  it('keeps answering with Redis stopped: a revoked session is still refused, readiness says degraded', async () => {
    const s1 = (await login(a, 'admin', ADMIN_PASSWORD)).body.accessToken;
    const s2 = (await login(a, 'admin', ADMIN_PASSWORD)).body.accessToken;
    expect((await call(b, 'GET', '/api/v2/users/me', undefined, s1)).status).toBe(200);
    await stopRedis();

    expect((await call(a, 'POST', '/api/v2/auth/logout', undefined, s1)).status).toBe(204);
    expect((await call(b, 'GET', '/api/v2/users/me', undefined, s1)).status).toBe(401);
    expect((await call(b, 'GET', '/api/v2/users/me', undefined, s2)).status).toBe(200);
    const ready = await call(b, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'degraded', details: { redis: { status: 'down' } } });

    await startRedis();
    await waitFor(`${b.base}/health/live`);
    for (let i = 0; i < 50 && (await call(b, 'GET', '/health/ready')).body.status !== 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await call(b, 'GET', '/health/ready')).body.status).toBe('ok');
    // Redis came back empty: the revocation made while it was down still holds.
    expect((await call(a, 'GET', '/api/v2/users/me', undefined, s1)).status).toBe(401);
    expect((await call(b, 'GET', '/api/v2/users/me', undefined, s2)).status).toBe(200);
  });
});

describeWithRedis('rate limits shared across instances', () => {
  let db: TestDatabase;
  let redis: ChildProcess;
  const procs: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'dm-scale-rl-'));

  afterAll(async () => {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));
    redis?.kill('SIGKILL');
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts one client’s login attempts on both instances against one limit', async () => {
    db = await createTestDatabase();
    const redisPort = await freePort();
    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', ''], {
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 300));
    const bases: string[] = [];
    for (let n = 0; n < 2; n++) {
      const port = await freePort();
      const proc = spawn(process.execPath, [MAIN], {
        env: {
          ...process.env,
          PORT: String(port),
          DATABASE_URL: db.url,
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          DATA_DIR: dataDir,
          JWT_SECRET: 'scale-test-secret-scale-test-secret',
          ENCRYPTION_KEY: 'ab'.repeat(32),
          BCRYPT_ROUNDS: '4',
          LOG_LEVEL: 'silent',
          BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
          RATE_LIMIT_LOGIN_PER_MINUTE: '4',
        },
        stdio: 'ignore',
      });
      procs.push(proc);
      bases.push(`http://127.0.0.1:${port}`);
      await waitFor(`http://127.0.0.1:${port}/health/ready`);
    }
    // Fixed one-minute windows: start well inside one so that all six attempts fall in it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const statuses: number[] = [];
    for (let n = 0; n < 6; n++) {
      const res = await fetch(`${bases[n % 2]}/api/v2/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'nobody', password: 'Whatever-Pass-1!' }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Four attempts are allowed per minute in all, wherever they land.
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  }, 120_000);
});
