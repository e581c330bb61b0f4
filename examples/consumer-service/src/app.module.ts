import { type DynamicModule, Module } from '@nestjs/common';
import { DotmacAuthModule } from '@dotmac/user-management-client';
import { ConsumerSettings } from './settings';
import { TicketsController } from './tickets.controller';

@Module({})
export class ConsumerModule {
  static forRoot(settings: ConsumerSettings): DynamicModule {
    return {
      module: ConsumerModule,
      imports: [
        DotmacAuthModule.forRoot({
          issuerUrl: settings.serviceUrl,
          audience: 'dotmac-api',
          jwksCooldownMs: settings.jwksCooldownMs,
          introspection: settings.introspectionApiKey ? { apiKey: settings.introspectionApiKey } : undefined,
        }),
      ],
      controllers: [TicketsController],
      providers: [{ provide: ConsumerSettings, useValue: settings }],
    };
  }
}
