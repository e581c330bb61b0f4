import 'reflect-metadata';
import { CallHandler, CanActivate, Controller, Get, Injectable, Module, NestInterceptor } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { registerSecurityHeaders } from '../src/common/http/security-headers';

/**
 * The floor of this architecture, to put the GET /users/me ratio in context: what the service's design costs
 * before any work of its own. Nest 12 on Fastify with what every route of the service passes through — a
 * global guard, a global interceptor and a request context (AsyncLocalStorage) — all doing nothing, and a
 * handler that answers /users/me's body (BODY, taken from the service) with the same security headers and
 * request id. No authentication, tenant, logging or metrics.
 */
const body = JSON.parse(process.env.BODY ?? '{}') as Record<string, unknown>;
const context = new AsyncLocalStorage<{ requestId: string }>();

@Controller()
class FloorController {
  @Get('floor')
  floor(): Record<string, unknown> {
    return { ...body };
  }
}

@Injectable()
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Injectable()
class PassInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler) {
    return next.handle();
  }
}

@Module({
  controllers: [FloorController],
  providers: [
    { provide: APP_GUARD, useClass: AllowGuard },
    { provide: APP_INTERCEPTOR, useClass: PassInterceptor },
  ],
})
class FloorModule {}

async function main(): Promise<void> {
  const adapter = new FastifyAdapter({ requestIdHeader: false, genReqId: () => randomUUID() });
  const app = await NestFactory.create<NestFastifyApplication>(FloorModule, adapter, { logger: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    context.run({ requestId: request.id }, done);
  });
  registerSecurityHeaders(fastify);
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
