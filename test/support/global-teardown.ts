import { TEST_TEMPLATE_ENV, withAdmin } from './database';

export default async function globalTeardown(): Promise<void> {
  const template = process.env[TEST_TEMPLATE_ENV];
  if (template) {
    await withAdmin(async (c) => {
      const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        `${template}%`,
      ]);
      for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    });
  }
  await globalThis.__DM_EMBEDDED_STOP__?.();
}
