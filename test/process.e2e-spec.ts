import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres';

/**
 * The service as a new user runs it: the built `dist/src/main.js` (npm test builds it first), embedded
 * PostgreSQL in a fresh DATA_DIR, nothing else.
 */
const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');

interface Running {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Running {
  let out = '';
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.DATABASE_URL;
  delete childEnv.REDIS_URL;
  const proc = spawn(process.execPath, [MAIN], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

async function waitReady(port: number, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.status === 200) return Date.now() - started;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready within ${ms} ms`);
}

describe('the service as a process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dm-process-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on embedded PostgreSQL, prints the bootstrap password once, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const first = start({ PORT: String(port), DATA_DIR: dataDir, BCRYPT_ROUNDS: '4' });
    await waitReady(port, 30_000);
    expect(first.output()).toMatch(/generated password: \S+/);
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('embedded PostgreSQL stopped');

    const second = start({ PORT: String(port), DATA_DIR: dataDir, BCRYPT_ROUNDS: '4' });
    await waitReady(port, 30_000);
    const login = await fetch(`http://127.0.0.1:${port}/api/v2/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: /generated password: (\S+)/.exec(first.output())![1] }),
    });
    expect(login.status).toBe(200);
    expect(second.output()).not.toMatch(/generated password/);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it.each([
    ['PORT', 'abc'],
    ['BCRYPT_ROUNDS', '3'],
  ])('refuses to start with %s=%s, naming the variable', async (name, value) => {
    const run = start({ DATA_DIR: dataDir, [name]: value });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(name);
  });
});
