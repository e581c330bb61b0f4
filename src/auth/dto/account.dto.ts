import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Equals,
  IsBoolean,
  IsEmail,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';

export const USERNAME_PATTERN = /^[a-zA-Z0-9._-]{3,50}$/;
const USERNAME_MESSAGE = 'username must be 3 to 50 characters of letters, digits, ".", "_" or "-"';
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** Self-registration: the contract's UserCreate without userType and roles (the type is always customer). */
export class RegisterDto {
  @ApiProperty({ example: 'jdoe', pattern: USERNAME_PATTERN.source })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_MESSAGE })
  username: string;

  @ApiProperty({ example: 'jdoe@example.com' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'Jane' })
  @IsString()
  @Length(1, 100)
  firstName: string;

  @ApiProperty({ example: 'Doe' })
  @IsString()
  @Length(1, 100)
  lastName: string;

  @ApiProperty({
    example: 'Tulip-Harbor-Lantern-7',
    format: 'password',
    description: 'Checked against the tenant’s password policy; at most 72 bytes',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ example: '+4915112345678', description: 'E.164' })
  @IsOptional()
  @Matches(E164_PATTERN, { message: 'phone must be an E.164 number such as +4915112345678' })
  phone?: string;

  @ApiProperty({ description: 'Must be true: the tenant’s current terms are accepted' })
  @IsBoolean()
  @Equals(true, { message: 'termsAccepted must be true: the terms must be accepted to register' })
  termsAccepted: boolean;

  @ApiProperty({ description: 'Must be true: the tenant’s current privacy policy is accepted' })
  @IsBoolean()
  @Equals(true, { message: 'privacyAccepted must be true: the privacy policy must be accepted to register' })
  privacyAccepted: boolean;
}

export class TokenDto {
  @ApiProperty({ example: 'Kq3v9XwR2mT8yB1cN5dF7gH0jL4pS6uA', description: 'The token received by email' })
  @IsString()
  @Length(1, 256)
  token: string;
}

export class AcceptInvitationDto extends TokenDto {
  @ApiProperty({ example: 'jdoe', pattern: USERNAME_PATTERN.source })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_MESSAGE })
  username: string;

  @ApiProperty({
    example: 'Tulip-Harbor-Lantern-7',
    format: 'password',
    description: 'Checked against the tenant’s password policy; at most 72 bytes',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}
