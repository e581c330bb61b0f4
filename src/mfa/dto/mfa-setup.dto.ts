import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { CODE_METHODS, type CodeMethod, MFA_METHODS, type MfaMethod } from '../mfa-methods';

export class SetupMfaDto {
  @ApiProperty({ enum: MFA_METHODS })
  @IsIn(MFA_METHODS)
  method: MfaMethod;

  @ApiPropertyOptional({
    description:
      'For sms only: the phone number (E.164) to send codes to. Without it, the mobile phone (else the phone) ' +
      'of the account’s contact info is used.',
    example: '+4915112345678',
  })
  @IsOptional()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'destination must be a phone number in E.164 format (+4915112345678)' })
  destination?: string;

  @ApiPropertyOptional({
    example: 'correct horse battery staple',
    format: 'password',
    description: 'The caller’s current password: required when another method is already enabled',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string;
}

export class TotpSetupDto {
  @ApiProperty({
    description: 'The shared secret, base32; shown only now',
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  })
  secret: string;
  @ApiProperty({ example: 'otpauth://totp/DotMac:jdoe?secret=…&issuer=DotMac&algorithm=SHA1&digits=6&period=30' })
  otpauthUrl: string;
  @ApiProperty({ description: 'The otpauth URL as a QR code (PNG data URL)', example: 'data:image/png;base64,…' })
  qrCode: string;
}

export class CodeSentDto {
  @ApiProperty({ enum: CODE_METHODS }) method: CodeMethod;
  @ApiProperty({ description: 'Where the code went, masked', example: 'j***@example.com' }) sentTo: string;
  @ApiProperty({ description: 'Seconds the code stays valid', example: 300 }) expiresIn: number;
}

export class VerifyMfaDto {
  @ApiProperty({ enum: MFA_METHODS })
  @IsIn(MFA_METHODS)
  method: MfaMethod;

  @ApiProperty({ description: 'The code from the authenticator app, SMS or email', example: '123456' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code: string;
}

export class BackupCodesDto {
  @ApiProperty({
    type: [String],
    description: 'Single-use codes for when no other method is at hand; shown only now (stored hashed)',
    example: ['k3mf-q7zx-a2bd-wp4e'],
  })
  backupCodes: string[];
}

export class PasswordConfirmationDto {
  @ApiProperty({
    example: 'correct horse battery staple',
    format: 'password',
    description: 'The caller’s current password',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export class MfaMethodParam {
  @ApiProperty({ enum: MFA_METHODS })
  @IsIn(MFA_METHODS)
  method: MfaMethod;
}

export class MfaMethodStatusDto {
  @ApiProperty({ enum: MFA_METHODS }) method: MfaMethod;
  @ApiProperty({ description: 'False while the setup awaits its first code' }) enabled: boolean;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) enabledAt: string | null;
}

export class MfaStatusDto {
  @ApiProperty({ type: [MfaMethodStatusDto] }) methods: MfaMethodStatusDto[];
  @ApiProperty({ description: 'Unused backup codes left' }) backupCodesRemaining: number;
  @ApiProperty({ description: 'The tenant’s policy requires MFA of this user' }) required: boolean;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When MFA is required and not set up: the end of the enrolment grace period',
  })
  enrolmentDeadline: string | null;
}
