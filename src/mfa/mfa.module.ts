import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { KeysModule } from '../auth/keys/keys.module';
import { MfaCodesRepository } from './mfa-codes.repository';
import { MfaCodesService } from './mfa-codes.service';
import { MfaLoginService } from './mfa-login.service';
import { MfaTokenService } from './mfa-token.service';
import { MfaController } from './mfa.controller';
import { MfaRepository } from './mfa.repository';
import { MfaService } from './mfa.service';
import { UserMfaController } from './user-mfa.controller';

/** Global so that the login (AuthModule) reaches MfaLoginService, which in turn uses AuthModule's SessionIssuer. */
@Global()
@Module({
  imports: [AuthModule, KeysModule],
  providers: [MfaRepository, MfaCodesRepository, MfaCodesService, MfaTokenService, MfaService, MfaLoginService],
  controllers: [MfaController, UserMfaController],
  exports: [MfaLoginService],
})
export class MfaModule {}
