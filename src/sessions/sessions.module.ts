import { Global, Module } from '@nestjs/common';
import { SessionLiveness } from './session-liveness';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

@Global()
@Module({
  providers: [SessionsRepository, SessionLiveness, SessionsService],
  exports: [SessionsService, SessionsRepository],
})
export class SessionsModule {}
