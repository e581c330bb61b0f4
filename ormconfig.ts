import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';
import { DEFAULT_STATEMENT_TIMEOUT_MS } from './src/config/app-config';
import { entities } from './src/database/entities';
import { PreparingClient } from './src/database/prepared-statements';
import { SnakeNamingStrategy } from './src/database/snake-naming.strategy';

/**
 * The one description of the database, shared by the application, the tests and the TypeORM CLI.
 * A statement that runs longer than `statementTimeoutMs` (or waits that long for a lock) is cancelled, and a
 * request that waits 5 s for a free connection gives up: either way the request fails with 503 rather than
 * hanging while the database is slow or gone.
 */
export function dataSourceOptions(
  url: string | undefined,
  statementTimeoutMs: number = DEFAULT_STATEMENT_TIMEOUT_MS,
  preparedStatements = true,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    // TypeORM would print failed queries with their parameters (personal data) to the console, past the
    // log redaction; the error filter logs failures itself, without parameters.
    logging: false,
    extra: {
      max: 20,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      statement_timeout: statementTimeoutMs,
      // Runs the statements marked hot (prepared()) as prepared statements.
      ...(preparedStatements ? { Client: PreparingClient } : {}),
    },
  };
}

// Used by the TypeORM CLI (`npm run typeorm -- migration:show`); scripts/migrate.ts is the everyday tool.
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL));
