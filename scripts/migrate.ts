import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../ormconfig';
import { loadConfig } from '../src/config/app-config';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';

/**
 * `npm run migration:run | migration:revert | migration:show`: against DATABASE_URL, or the embedded
 * PostgreSQL under DATA_DIR (started for the command and stopped after it).
 */
async function main(command: string | undefined): Promise<void> {
  if (!command || !['run', 'revert', 'show'].includes(command)) {
    throw new Error('usage: migrate run|revert|show');
  }
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir);
  const dataSource = new DataSource(dataSourceOptions(config.databaseUrl ?? embedded!.url));
  try {
    await dataSource.initialize();
    if (command === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      console.log(applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'No pending migrations');
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('Reverted the last migration');
    } else {
      const pending = await dataSource.showMigrations();
      console.log(pending ? 'There are pending migrations' : 'The database is up to date');
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
