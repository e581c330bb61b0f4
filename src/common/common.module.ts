import { Global, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { ClsModule } from 'nestjs-cls';
import { AppConfig } from '../config/app-config';
import { AccessGuard } from './auth/access.guard';
import { AuthenticatorRegistry } from './auth/authenticator';
import { RequestContext, RequestStore } from './context/request-context';
import { FieldCipher } from './crypto/field-cipher';
import { PasswordHasher } from './crypto/password-hasher';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { clientIp } from './http/client-ip';

@Global()
@Module({
  imports: [
    ClsModule.forRootAsync({
      global: true,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        middleware: {
          mount: true,
          generateId: true,
          // Fastify's request id (see app.factory.ts) is the one id of the request everywhere.
          idGenerator: (req: IncomingMessage & { id?: string }) => req.id ?? '',
          setup: (cls, req: IncomingMessage & { id?: string }) => {
            const store = cls as unknown as { set<K extends keyof RequestStore>(k: K, v: RequestStore[K]): void };
            store.set('requestId', req.id ?? '');
            store.set('ip', clientIp(req, config.trustProxy));
            store.set('userAgent', String(req.headers['user-agent'] ?? '').slice(0, 512));
          },
        },
      }),
    }),
  ],
  providers: [
    RequestContext,
    PasswordHasher,
    FieldCipher,
    AuthenticatorRegistry,
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        forbidUnknownValues: true,
        stopAtFirstError: false,
        validationError: { target: false, value: false },
      }),
    },
  ],
  exports: [RequestContext, PasswordHasher, FieldCipher, AuthenticatorRegistry],
})
export class CommonModule {}
