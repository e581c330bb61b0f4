import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DotmacAuthGuard } from './auth.guard';
import { DOTMAC_AUTH_OPTIONS, type DotmacAuthAsyncOptions, type DotmacAuthOptions, resolveOptions } from './options';
import { DotmacTokenVerifier } from './token-verifier';

const shared: Provider[] = [DotmacTokenVerifier, { provide: APP_GUARD, useClass: DotmacAuthGuard }];

/**
 * Authentication for a Nest service behind DotMac User Management:
 *
 *   DotmacAuthModule.forRoot({ issuerUrl: 'https://users.example.com', audience: 'dotmac-api' })
 *
 * installs a global guard; use @Public(), @RequirePermissions() and @CurrentUser() in controllers.
 */
@Global()
@Module({})
export class DotmacAuthModule {
  static forRoot(options: DotmacAuthOptions): DynamicModule {
    return {
      module: DotmacAuthModule,
      providers: [{ provide: DOTMAC_AUTH_OPTIONS, useValue: resolveOptions(options) }, ...shared],
      exports: [DotmacTokenVerifier],
    };
  }

  static forRootAsync(options: DotmacAuthAsyncOptions): DynamicModule {
    return {
      module: DotmacAuthModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: DOTMAC_AUTH_OPTIONS,
          useFactory: async (...args: never[]) => resolveOptions(await options.useFactory(...args)),
          inject: options.inject ?? [],
        },
        ...shared,
      ],
      exports: [DotmacTokenVerifier],
    };
  }
}
