import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.factory';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the pool, stop embedded PostgreSQL.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen({ port: config.port, host: '0.0.0.0' });
  app.get(Logger).log(`DotMac User Management listening on http://localhost:${config.port} (API docs at /docs)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
