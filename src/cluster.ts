import 'reflect-metadata';
import cluster from 'node:cluster';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../ormconfig';
import { ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';

/**
 * `npm run start:cluster`: one service process per core (WORKERS to choose), sharing the port through
 * node:cluster. The primary prepares the database once (embedded PostgreSQL when DATABASE_URL is unset,
 * then migrations) and restarts workers that die. Workers share revocations, rate limits and caches
 * through Redis, so REDIS_URL is required: without it each worker would be an island.
 */
async function primary(): Promise<void> {
  const config = loadConfig();
  if (!config.redisUrl) {
    throw new ConfigError(
      'REDIS_URL',
      'must be set for start:cluster (workers share sessions and limits through Redis)',
    );
  }
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir);
    process.env.DATABASE_URL = embedded.url;
  }
  const dataSource = new DataSource(dataSourceOptions(process.env.DATABASE_URL));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    process.stderr.write(`worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
    setTimeout(fork, 1000);
  });
  for (let i = 0; i < config.workers; i++) fork();
  process.stdout.write(`cluster: ${config.workers} workers on port ${config.port}\n`);

  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    let left = workers.length;
    const done = () => {
      if (embedded) void embedded.stop().finally(() => process.exit(0));
      else process.exit(0);
    };
    if (!left) done();
    for (const w of workers) {
      w?.once('exit', () => --left === 0 && done());
      w?.process.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

if (cluster.isPrimary) {
  primary().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
} else {
  void import('./main.js');
}
