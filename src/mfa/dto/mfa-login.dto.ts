import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { LoginResponseDto } from '../../auth/dto/login.dto';
import { CHALLENGE_METHODS, CODE_METHODS, type ChallengeMethod, type CodeMethod } from '../mfa-methods';

/** The answer of the password step when the user has MFA: no tokens yet. */
export class MfaRequiredDto {
  @ApiProperty({ enum: [true] }) mfaRequired: true;
  @ApiProperty({
    description: 'Short-lived (5 minutes); reaches only /auth/mfa/challenge and /auth/mfa/send, never a bearer token',
  })
  mfaToken: string;
  @ApiProperty({ description: 'Seconds until mfaToken expires', example: 300 }) expiresIn: number;
  @ApiProperty({ enum: CHALLENGE_METHODS, isArray: true, example: ['totp', 'backup_code'] })
  mfaMethods: ChallengeMethod[];
  @ApiPropertyOptional({ enum: CODE_METHODS, description: 'A code was sent at once by this method' })
  codeSentBy?: CodeMethod;
}

export class MfaChallengeDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  mfaToken: string;

  @ApiProperty({ description: 'A TOTP code, the SMS/email code, or a backup code', example: '123456' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code: string;

  @ApiPropertyOptional({ enum: CHALLENGE_METHODS, description: 'Without it, the method is told from the code' })
  @IsOptional()
  @IsIn(CHALLENGE_METHODS)
  method?: ChallengeMethod;

  @ApiPropertyOptional({ description: 'Trust this device: later logins from it with the deviceToken skip MFA' })
  @IsOptional()
  @IsBoolean()
  trustDevice?: boolean;
}

export class MfaSendDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  mfaToken: string;

  @ApiProperty({ enum: CODE_METHODS })
  @IsIn(CODE_METHODS)
  method: CodeMethod;
}

export class MfaChallengeResponseDto extends LoginResponseDto {
  @ApiPropertyOptional({
    description: 'With trustDevice: present it as deviceToken at login from this device to skip MFA; shown once',
  })
  deviceToken?: string;
  @ApiPropertyOptional({ format: 'date-time' }) deviceTrustedUntil?: string;
}
