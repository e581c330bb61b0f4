import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Running the built service (and other built scripts) as child processes, shared by the benchmarks and the
 * fault tests: the service runs as its own process, as in production; the load comes from this one.
 */

/** The repository root, whether this file runs from `bench/` (ts, in tests) or `dist/bench/` (built). */
export const ROOT = existsSync(join(__dirname, '..', 'package.json'))
  ? join(__dirname, '..')
  : join(__dirname, '..', '..');

export interface Child {
  proc: ChildProcess;
  port: number;
  /** The last MiB the process wrote to stdout and stderr. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM (or the given signal), then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const OUTPUT_TAIL = 1024 * 1024;

/**
 * Starts a built script (`dist/<script>`) with `env` (PORT among it) and waits until `readyPath` answers 200.
 */
export async function launch(
  script: string,
  env: Record<string, string | undefined>,
  readyPath: string,
  timeoutMs = 60_000,
): Promise<Child> {
  const port = Number(env.PORT);
  const proc = spawn(process.execPath, [join(ROOT, 'dist', script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => {
    out = (out + d.toString()).slice(-OUTPUT_TAIL);
  };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (exitCode === undefined) proc.kill(signal);
    return exited;
  };
  const child: Child = { proc, port, output: () => out, exited, stop };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${script} exited early (${exitCode}):\n${out}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}${readyPath}`)).ok) return child;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop('SIGKILL');
  throw new Error(`${script} was not ready within ${timeoutMs / 1000} s:\n${out}`);
}

/** Runs a built script to its end and returns what it printed; rejects when it fails. */
export function runNode(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(ROOT, 'dist', script)], { env: { ...process.env, ...env } });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
  });
}

/** A JSON POST that must succeed; returns the parsed answer. */
export async function post<T = any>(port: number, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** Resident set size of a process in bytes, read from /proc (Linux); undefined elsewhere or once it exited. */
export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on every Linux Node runs on). */
const USER_HZ = 100;

/** CPU seconds (user + system) a process has used, read from /proc (Linux); 0 elsewhere or once it exited. */
export function cpuSecondsOf(pid: number | undefined): number {
  const fields = pid === undefined ? undefined : statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / USER_HZ : 0;
}

/** The fields of /proc/<pid>/stat after the command name (field 3 onwards); undefined once it exited. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by the PostgreSQL server whose data directory is `dataDir` (Linux; 0 elsewhere):
 * its postmaster, the backends it has already reaped (the postmaster's children's time) and those alive.
 */
export function postgresCpuSeconds(dataDir: string): number {
  let postmaster: string;
  let pids: string[];
  try {
    postmaster = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0].trim();
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  const own = statFields(postmaster);
  if (!own) return 0;
  // utime, stime, then the reaped children's cutime and cstime (fields 14-17).
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields && fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / USER_HZ;
}
