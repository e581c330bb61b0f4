import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../ormconfig';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { TEST_SERVER_URL_ENV, TEST_TEMPLATE_ENV, databaseUrl, withAdmin } from './database';

declare global {
  var __DM_EMBEDDED_STOP__: (() => Promise<void>) | undefined;
}

/**
 * One PostgreSQL server for the whole run: DATABASE_URL's when set, else an embedded one in a temporary
 * directory. The schema is migrated once into a template database that every test file clones.
 */
export default async function globalSetup(): Promise<void> {
  let server = process.env.DATABASE_URL;
  if (!server) {
    const embedded = await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), 'dm-test-pg-')));
    globalThis.__DM_EMBEDDED_STOP__ = () => embedded.stop();
    server = embedded.url;
  }
  const admin = new URL(server);
  admin.pathname = '/postgres';
  process.env[TEST_SERVER_URL_ENV] = admin.toString();
  const template = `dm_test_${process.pid}`;
  process.env[TEST_TEMPLATE_ENV] = template;

  await withAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${template}"`);
  });
  const dataSource = new DataSource(dataSourceOptions(databaseUrl(template)));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
}
