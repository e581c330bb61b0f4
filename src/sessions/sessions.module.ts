import { Global, Module } from '@nestjs/common';
import { SessionLiveness } from './session-liveness';
import { SessionManagementService } from './session-management.service';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SharedSessionState } from './shared-session-state';

@Global()
@Module({
  providers: [SessionsRepository, SessionLiveness, SharedSessionState, SessionsService, SessionManagementService],
  controllers: [SessionsController],
  exports: [SessionsService, SessionsRepository],
})
export class SessionsModule {}
