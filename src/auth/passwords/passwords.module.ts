import { Global, Module } from '@nestjs/common';
import { PasswordService } from './password.service';
import { PasswordsRepository } from './passwords.repository';
import { ReauthenticationService } from './reauthentication.service';

/**
 * The password policy engine, for every feature that sets a password (users, invitations, auth), and the
 * re-authentication that guards sensitive changes (password change, MFA, erasure) with the current one.
 */
@Global()
@Module({
  providers: [PasswordsRepository, PasswordService, ReauthenticationService],
  exports: [PasswordService, ReauthenticationService],
})
export class PasswordsModule {}
