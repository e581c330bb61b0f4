import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConsumerModule } from './app.module';
import type { ConsumerSettings } from './settings';

export async function createConsumerApp(settings: ConsumerSettings): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(ConsumerModule.forRoot(settings), new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  await app.init();
  return app;
}

async function main(): Promise<void> {
  const app = await createConsumerApp({
    serviceUrl: process.env.USER_MANAGEMENT_URL ?? 'http://localhost:3000',
    introspectionApiKey: process.env.INTROSPECTION_API_KEY || undefined,
  });
  await app.listen(Number(process.env.PORT ?? 3001), '0.0.0.0');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
