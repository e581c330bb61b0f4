import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthenticator } from './jwt.authenticator';
import { JwtStrategy } from './jwt.strategy';
import { SessionIssuer } from './session-issuer';
import { TokenService } from './token.service';

@Module({
  imports: [PassportModule],
  providers: [AuthService, TokenService, SessionIssuer, JwtStrategy, JwtAuthenticator],
  controllers: [AuthController],
  exports: [TokenService, SessionIssuer],
})
export class AuthModule {}
