import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppModule } from './app.module';
import { acceptableRequestId } from './common/http/client-ip';
import { strictJsonParser } from './common/http/json-body';
import { registerSecurityHeaders } from './common/http/security-headers';
import { registerRequestScope } from './common/context/request-scope';
import { AppLogger, registerRequestLog } from './logging/app-logger';
import { errorBody } from './common/errors/error-body';
import { AppConfig } from './config/app-config';
import { MetricsService } from './metrics/metrics.service';
import { buildOpenApiDocument, setupSwagger } from './openapi';

export const API_PREFIX = 'api/v2';
const ONE_MIB = 1024 * 1024;

/** Builds the whole application, initialised but not listening: main.ts listens, tests inject. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    trustProxy: config.trustProxy,
    bodyLimit: ONE_MIB,
    requestIdHeader: false,
    // The one request id: the client's X-Request-ID when sane, else a new UUID.
    genReqId: (req: IncomingMessage) => acceptableRequestId(req.headers['x-request-id']) ?? randomUUID(),
    // A URL that cannot be decoded (`/users/%ff`) is refused by the router, before Nest: the contract's body.
    frameworkErrors: (_error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .code(400)
        .header('x-request-id', request.id)
        .header('content-type', 'application/json; charset=utf-8')
        .send(errorBody(400, 'Malformed URL', request.id));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
  });
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  const fastify = app.getHttpAdapter().getInstance();
  // Native Fastify hooks, first of all: the request context, the security headers and the request log.
  registerRequestScope(fastify, config.trustProxy);
  registerSecurityHeaders(fastify);
  registerRequestLog(fastify, logger.pino);
  app.useBodyParser('application/json', { bodyLimit: ONE_MIB }, strictJsonParser(fastify));
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      { path: '.well-known/jwks.json', method: RequestMethod.GET },
    ],
  });
  if (config.corsOrigins.length) {
    app.enableCors({
      origin: config.corsOrigins,
      credentials: true,
      exposedHeaders: ['X-Request-ID', 'Retry-After'],
      maxAge: 600,
    });
  }

  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  // Once shutdown begins every answer closes its connection: a keep-alive connection left idle after its
  // last answer would otherwise hold the server (and the process) open until the keep-alive timeout.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  setupSwagger(app, buildOpenApiDocument(app));
  await app.init();
  await fastify.ready();
  return app;
}
