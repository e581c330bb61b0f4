import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { OptionalNotNull } from '../../common/http/optional';
import { USER_TYPES, type UserType } from '../../common/user-types';
import type { PasswordPreset } from '../../config/app-config';
import type { PasswordPolicyOverrides, TenantSettings } from '../tenant-settings';

const PRESETS: readonly PasswordPreset[] = ['classic', 'nist'];
const MAX_SESSION_MINUTES = 525_600;

/** A tenant's password/login policy: a preset and any single knob overriding it. */
export class PasswordPolicySettingsDto implements PasswordPolicyOverrides {
  @ApiPropertyOptional({
    enum: PRESETS,
    description: 'classic (composition rules, 90-day expiry) or nist (SP 800-63B)',
  })
  @OptionalNotNull()
  @IsIn(PRESETS)
  preset?: PasswordPreset;

  @ApiPropertyOptional({ example: 12, minimum: 8, maximum: 72 })
  @OptionalNotNull()
  @IsInt()
  @Min(8)
  @Max(72)
  minLength?: number;

  @ApiPropertyOptional() @OptionalNotNull() @IsBoolean() requireUppercase?: boolean;
  @ApiPropertyOptional() @OptionalNotNull() @IsBoolean() requireLowercase?: boolean;
  @ApiPropertyOptional() @OptionalNotNull() @IsBoolean() requireNumbers?: boolean;
  @ApiPropertyOptional() @OptionalNotNull() @IsBoolean() requireSymbols?: boolean;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: 3650, description: 'Password expiry in days; 0 = never' })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(3650)
  maxAgeDays?: number;

  @ApiPropertyOptional({ example: 5, minimum: 0, maximum: 50, description: 'No reuse of the last N passwords' })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(50)
  historyCount?: number;

  @ApiPropertyOptional({ example: 5, minimum: 1, maximum: 100 })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(100)
  maxFailedAttempts?: number;

  @ApiPropertyOptional({ example: 30, minimum: 1, maximum: 10080 })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(10080)
  lockoutDurationMinutes?: number;

  @ApiPropertyOptional({ example: 480, minimum: 1, maximum: MAX_SESSION_MINUTES })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_SESSION_MINUTES)
  sessionTimeoutMinutes?: number;

  @ApiPropertyOptional() @OptionalNotNull() @IsBoolean() requireMfaForAdmin?: boolean;
}

export class ConsentVersionsDto {
  @ApiPropertyOptional({ example: '2025-01' })
  @OptionalNotNull()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'terms must be a version of 1–32 letters, digits, dots, hyphens' })
  terms?: string;

  @ApiPropertyOptional({ example: '2025-01' })
  @OptionalNotNull()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'privacy must be a version of 1–32 letters, digits, dots, hyphens' })
  privacy?: string;
}

/** What a tenant overrides of the environment's defaults; anything left out keeps the default. */
export class TenantSettingsDto implements TenantSettings {
  @ApiPropertyOptional({ type: PasswordPolicySettingsDto })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => PasswordPolicySettingsDto)
  passwordPolicy?: PasswordPolicySettingsDto;

  @ApiPropertyOptional({
    enum: USER_TYPES,
    isArray: true,
    description: 'The user types this tenant allows (default: all)',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(USER_TYPES, { each: true })
  allowedUserTypes?: UserType[];

  @ApiPropertyOptional({ description: 'MFA required for every user of the tenant' })
  @OptionalNotNull()
  @IsBoolean()
  requireMfa?: boolean;

  @ApiPropertyOptional({ example: 480, minimum: 1, maximum: MAX_SESSION_MINUTES, description: 'Idle session timeout' })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_SESSION_MINUTES)
  sessionTimeoutMinutes?: number;

  @ApiPropertyOptional({ description: 'Require MFA for a login that looks suspicious (impossible travel)' })
  @OptionalNotNull()
  @IsBoolean()
  stepUpOnSuspiciousLogin?: boolean;

  @ApiPropertyOptional({ type: ConsentVersionsDto, description: 'Current versions of the terms and privacy notice' })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => ConsentVersionsDto)
  consentVersions?: ConsentVersionsDto;
}
