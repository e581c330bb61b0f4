import { Global, Module } from '@nestjs/common';
import { PasswordService } from './password.service';
import { PasswordsRepository } from './passwords.repository';

/** The password policy engine, for every feature that sets a password (users, invitations, auth). */
@Global()
@Module({ providers: [PasswordsRepository, PasswordService], exports: [PasswordService] })
export class PasswordsModule {}
