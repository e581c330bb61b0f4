import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { USER_TYPES, type UserType } from '../../common/user-types';
import { ContactInfoInput, PreferencesInput, ProfileInput } from '../../profiles/dto/profile.dto';
import { IsE164, IsNormalizedEmail, IsUsername, NoControlChars, OptionalNotNull, Refused } from './validation';

const NO_PASSWORD_HASH = 'passwordHash: password hashes are never accepted; send a password where a route takes one';

/** What both the administrator and the user may change of the profile side of an account. */
abstract class ProfileFieldsInput {
  @ApiPropertyOptional({ example: 'Jane', maxLength: 100 })
  @OptionalNotNull()
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  firstName?: string;

  @ApiPropertyOptional({ example: 'Doe', maxLength: 100 })
  @OptionalNotNull()
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  lastName?: string;

  @ApiPropertyOptional({ type: ProfileInput })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => ProfileInput)
  profile?: ProfileInput;

  @ApiPropertyOptional({ type: ContactInfoInput, description: 'Stored encrypted, field by field' })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => ContactInfoInput)
  contactInfo?: ContactInfoInput;

  @ApiPropertyOptional({ type: PreferencesInput })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => PreferencesInput)
  preferences?: PreferencesInput;

  @Refused(NO_PASSWORD_HASH)
  passwordHash?: never;
}

/** `UserCreate` of the contract, as an administrator sends it to POST /users. */
export class CreateUserDto extends ProfileFieldsInput {
  @ApiProperty({ minLength: 3, maxLength: 50, pattern: '^[a-zA-Z0-9._-]+$', example: 'jdoe' })
  @IsUsername()
  username: string;

  @ApiProperty({ example: 'jdoe@example.com', description: 'Stored in lower case' })
  @IsNormalizedEmail()
  email: string;

  @ApiProperty({ enum: USER_TYPES })
  @IsIn(USER_TYPES)
  userType: UserType;

  @ApiPropertyOptional({
    example: 'Tulip-Harbor-Lantern-7',
    format: 'password',
    description: 'At most 72 bytes. Without it the account stays pending until the user sets one by invitation.',
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 1024)
  password?: string;

  @ApiPropertyOptional({ description: 'The user must change the password at the first sign-in' })
  @IsOptional()
  @IsBoolean()
  temporaryPassword?: boolean;

  @ApiPropertyOptional({ example: '+14155550123', description: 'E.164; the same as contactInfo.phone' })
  @IsOptional()
  @IsE164()
  phone?: string;

  @ApiPropertyOptional({
    description:
      'Accepted for the shape of UserCreate; consent is recorded only when users give it themselves ' +
      '(registration, invitation acceptance), never on their behalf',
  })
  @IsOptional()
  @IsBoolean()
  termsAccepted?: boolean;

  @ApiPropertyOptional({ description: 'See termsAccepted' })
  @IsOptional()
  @IsBoolean()
  privacyAccepted?: boolean;

  @ApiPropertyOptional({ type: [String], example: ['helpdesk'], description: 'Role names of the tenant' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  roles?: string[];
}

/** PUT /users/{id}: every field optional; an absent field is left as it is. */
export class UpdateUserDto extends ProfileFieldsInput {
  @ApiPropertyOptional({ example: 'jdoe', minLength: 3, maxLength: 50, pattern: '^[a-zA-Z0-9._-]+$' })
  @OptionalNotNull()
  @IsUsername()
  username?: string;

  @ApiPropertyOptional({
    example: 'jane.doe@example.com',
    description: 'Stored in lower case; a new address is unverified unless emailVerified says so',
  })
  @OptionalNotNull()
  @IsNormalizedEmail()
  email?: string;

  @ApiPropertyOptional({
    enum: USER_TYPES,
    description: 'Ends the user’s sessions, so the new permissions apply at once',
  })
  @OptionalNotNull()
  @IsIn(USER_TYPES)
  userType?: UserType;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsBoolean()
  emailVerified?: boolean;

  @Refused('status: use POST /users/{id}/activate, /deactivate or /suspend')
  status?: never;

  @Refused('roles: use POST /users/{id}/roles')
  roles?: never;

  @Refused('tenantId: an account never moves between tenants')
  tenantId?: never;

  @Refused('password: administrators do not set passwords of existing accounts; use force_password_reset')
  password?: never;
}

/** PUT /users/me: the profile side only. What decides access is never the user's own to change. */
export class UpdateMeDto extends ProfileFieldsInput {
  @Refused('userType: you cannot change your own userType')
  userType?: never;

  @Refused('status: you cannot change your own status')
  status?: never;

  @Refused('roles: you cannot change your own roles')
  roles?: never;

  @Refused('tenantId: you cannot change your own tenant')
  tenantId?: never;

  @Refused('emailVerified: you cannot verify your own email this way; use the verification link')
  emailVerified?: never;

  @Refused('username: ask an administrator to change your username')
  username?: never;

  @Refused('email: ask an administrator to change your email')
  email?: never;

  @Refused('password: use POST /auth/password/change')
  password?: never;
}

export class StatusChangeDto {
  @ApiPropertyOptional({
    example: 'Repeated abuse reported by the help desk',
    maxLength: 500,
    description: 'Stored with the account and written to the audit trail',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @NoControlChars()
  reason?: string;
}
