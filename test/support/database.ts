import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Set by global-setup: the server's admin URL and the template database that has every migration. */
export const TEST_SERVER_URL_ENV = 'DM_TEST_SERVER_URL';
export const TEST_TEMPLATE_ENV = 'DM_TEST_TEMPLATE';

export function serverUrl(): string {
  const url = process.env[TEST_SERVER_URL_ENV];
  if (!url) throw new Error('The test database server is not set up (run the tests through jest.config.js)');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template: fast and isolated. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env[TEST_TEMPLATE_ENV]!;
  const name = `${template}_${randomBytes(5).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
