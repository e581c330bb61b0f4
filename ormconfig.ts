import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';
import { entities } from './src/database/entities';
import { SnakeNamingStrategy } from './src/database/snake-naming.strategy';

/** The one description of the database, shared by the application, the tests and the TypeORM CLI. */
export function dataSourceOptions(url: string | undefined): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: ['error'],
    extra: { max: 20, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000, statement_timeout: 15000 },
  };
}

// Used by the TypeORM CLI (`npm run typeorm -- migration:show`); scripts/migrate.ts is the everyday tool.
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL));
