import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AppLogger, createPino } from './app-logger';

@Global()
@Module({
  providers: [
    {
      provide: AppLogger,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new AppLogger(createPino(config.logLevel)),
    },
  ],
  exports: [AppLogger],
})
export class LoggingModule {}
