import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { buildOpenApiDocument } from '../src/openapi';

/** `npm run openapi`: writes the OpenAPI document the app serves at /docs-json to openapi.json. */
async function main(): Promise<void> {
  const app = await createApp(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }));
  try {
    const file = join(__dirname, '..', '..', 'openapi.json');
    writeFileSync(file, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
    console.log(`wrote ${file}`);
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
