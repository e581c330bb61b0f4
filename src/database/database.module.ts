import { Global, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../ormconfig';
import { AppConfig } from '../config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { guardPoolClients } from './pool-errors';

/** Knows where the database is: `DATABASE_URL`, or an embedded PostgreSQL it starts under `DATA_DIR`. */
@Injectable()
export class DatabaseLauncher implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private embedded?: EmbeddedDatabase;

  constructor(
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async url(): Promise<string> {
    if (this.config.databaseUrl) return this.config.databaseUrl;
    const started = Date.now();
    this.embedded = await startEmbeddedPostgres(this.config.dataDir, (line) => this.logger.debug(line), {
      notice: (line) => this.logger.warn(line),
    });
    this.logger.log(`embedded PostgreSQL ready in ${Date.now() - started} ms (data in ${this.embedded.dataDirectory})`);
    return this.embedded.url;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.embedded) return;
    // The pool goes first, or postgres waits for its connections to close.
    const dataSource = this.moduleRef.get<DataSource>(getDataSourceToken(), { strict: false });
    if (dataSource.isInitialized) await dataSource.destroy();
    await this.embedded.stop();
    this.logger.log('embedded PostgreSQL stopped');
  }
}

@Global()
@Module({ providers: [DatabaseLauncher], exports: [DatabaseLauncher] })
class DatabaseLauncherModule {}

@Module({
  imports: [
    DatabaseLauncherModule,
    TypeOrmModule.forRootAsync({
      inject: [DatabaseLauncher, AppConfig],
      useFactory: async (launcher: DatabaseLauncher, config: AppConfig) => ({
        ...dataSourceOptions(
          await launcher.url(),
          config.databaseStatementTimeoutMs,
          config.databasePreparedStatements,
        ),
        migrationsRun: true,
      }),
      dataSourceFactory: async (options) => guardPoolClients(await new DataSource(options!).initialize()),
    }),
  ],
})
export class DatabaseModule {}
