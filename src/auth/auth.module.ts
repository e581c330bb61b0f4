import { Module } from '@nestjs/common';
import { AccountsRepository } from './accounts.repository';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BackgroundWork } from './background-work';
import { JwtAuthenticator } from './jwt.authenticator';
import { JwtStrategy } from './jwt.strategy';
import { KeysModule } from './keys/keys.module';
import { OneTimeTokensRepository } from './one-time-tokens.repository';
import { PasswordFlowsService } from './password-flows.service';
import { PasswordsModule } from './passwords/passwords.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RegistrationService } from './registration.service';
import { SessionIssuer } from './session-issuer';
import { TokenIntrospectionService } from './token-introspection.service';
import { TokenService } from './token.service';

@Module({
  imports: [KeysModule, PasswordsModule, RateLimitModule],
  providers: [
    AuthService,
    TokenService,
    SessionIssuer,
    JwtStrategy,
    JwtAuthenticator,
    AccountsRepository,
    OneTimeTokensRepository,
    RegistrationService,
    PasswordFlowsService,
    BackgroundWork,
    TokenIntrospectionService,
  ],
  controllers: [AuthController],
  exports: [TokenService, AuthService, SessionIssuer],
})
export class AuthModule {}
