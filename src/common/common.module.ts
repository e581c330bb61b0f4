import { Global, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AccessGuard } from './auth/access.guard';
import { AuthenticatorRegistry } from './auth/authenticator';
import { RequestContext } from './context/request-context';
import { FieldCipher } from './crypto/field-cipher';
import { PasswordHasher } from './crypto/password-hasher';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';

@Global()
@Module({
  providers: [
    RequestContext,
    PasswordHasher,
    FieldCipher,
    AuthenticatorRegistry,
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        forbidUnknownValues: true,
        stopAtFirstError: false,
        validationError: { target: false, value: false },
      }),
    },
  ],
  exports: [RequestContext, PasswordHasher, FieldCipher, AuthenticatorRegistry],
})
export class CommonModule {}
