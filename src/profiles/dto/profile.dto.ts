import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsISO31661Alpha2,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  IsE164,
  IsHttpUrl,
  IsIanaTimeZone,
  IsLanguageTag,
  IsPastDate,
  MaxJsonBytes,
  NoControlChars,
  OptionalNotNull,
} from '../../users/dto/validation';

export const THEMES = ['light', 'dark', 'system'] as const;
export type Theme = (typeof THEMES)[number];

/** Free-form settings are kept small: they ride along with every read of the account. */
export const MAX_SETTINGS_BYTES = 16 * 1024;

// ---- what a client reads -------------------------------------------------------------------------

export class ProfileDto {
  @ApiProperty({ type: String, nullable: true }) displayName: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uri' }) avatarUrl: string | null;
  @ApiProperty({ type: String, nullable: true }) bio: string | null;
  @ApiProperty({ type: String, nullable: true }) jobTitle: string | null;
  @ApiProperty({ type: String, nullable: true }) department: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Europe/Berlin' }) timezone: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'de-DE' }) locale: string | null;
}

export class ContactInfoDto {
  @ApiProperty({ type: String, nullable: true, example: '+14155550123' }) phone: string | null;
  @ApiProperty({ type: String, nullable: true, example: '+14155550124' }) mobilePhone: string | null;
  @ApiProperty({ type: String, nullable: true }) addressLine1: string | null;
  @ApiProperty({ type: String, nullable: true }) addressLine2: string | null;
  @ApiProperty({ type: String, nullable: true }) city: string | null;
  @ApiProperty({ type: String, nullable: true }) state: string | null;
  @ApiProperty({ type: String, nullable: true }) postalCode: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'DE', description: 'ISO 3166-1 alpha-2' }) country:
    string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) dateOfBirth: string | null;
}

export class NotificationPreferencesDto {
  @ApiProperty() email: boolean;
  @ApiProperty() sms: boolean;
}

export class PreferencesDto {
  @ApiProperty({ type: String, nullable: true, example: 'en' }) language: string | null;
  @ApiProperty({ type: String, enum: THEMES, nullable: true }) theme: Theme | null;
  @ApiProperty({ type: NotificationPreferencesDto }) notifications: NotificationPreferencesDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Free-form, at most 16 KiB as JSON' })
  settings: Record<string, unknown>;
}

// ---- what a client sends: every field optional; null clears a field --------------------------------

export class ProfileInput {
  @ApiPropertyOptional({ example: 'Jane D.', type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  displayName?: string | null;

  @ApiPropertyOptional({
    example: 'https://cdn.example.com/avatars/jdoe.png',
    type: String,
    nullable: true,
    format: 'uri',
    description: 'http(s) only',
  })
  @IsOptional()
  @IsHttpUrl()
  avatarUrl?: string | null;

  @ApiPropertyOptional({ example: 'Fibre network engineer', type: String, nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  bio?: string | null;

  @ApiPropertyOptional({ example: 'Field technician', type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  jobTitle?: string | null;

  @ApiPropertyOptional({ example: 'Operations', type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  department?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Europe/Berlin', description: 'IANA time zone' })
  @IsOptional()
  @IsIanaTimeZone()
  timezone?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'de-DE', description: 'BCP 47 language tag' })
  @IsOptional()
  @IsLanguageTag()
  locale?: string | null;
}

export class ContactInfoInput {
  @ApiPropertyOptional({ type: String, nullable: true, example: '+14155550123', description: 'E.164' })
  @IsOptional()
  @IsE164()
  phone?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '+14155550124', description: 'E.164' })
  @IsOptional()
  @IsE164()
  mobilePhone?: string | null;

  @ApiPropertyOptional({ example: '12 Harbour Street', type: String, nullable: true, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @NoControlChars()
  addressLine1?: string | null;

  @ApiPropertyOptional({ example: 'Suite 4', type: String, nullable: true, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @NoControlChars()
  addressLine2?: string | null;

  @ApiPropertyOptional({ example: 'Berlin', type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  city?: string | null;

  @ApiPropertyOptional({ example: 'Berlin', type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @NoControlChars()
  state?: string | null;

  @ApiPropertyOptional({ example: '10115', type: String, nullable: true, maxLength: 20 })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  @NoControlChars()
  postalCode?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'DE', description: 'ISO 3166-1 alpha-2' })
  @IsOptional()
  @IsISO31661Alpha2()
  country?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'date', example: '1990-04-30' })
  @IsOptional()
  @IsPastDate()
  dateOfBirth?: string | null;
}

export class NotificationPreferencesInput {
  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsBoolean()
  email?: boolean;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsBoolean()
  sms?: boolean;
}

export class PreferencesInput {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'en', description: 'BCP 47 language tag' })
  @IsOptional()
  @IsLanguageTag()
  language?: string | null;

  @ApiPropertyOptional({ type: String, enum: THEMES, nullable: true })
  @IsOptional()
  @IsIn(THEMES)
  theme?: Theme | null;

  @ApiPropertyOptional({ type: NotificationPreferencesInput })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => NotificationPreferencesInput)
  notifications?: NotificationPreferencesInput;

  @ApiPropertyOptional({
    example: { dashboard: 'compact' },
    type: 'object',
    additionalProperties: true,
    description: 'Free-form; replaces the stored settings; at most 16 KiB as JSON',
  })
  @OptionalNotNull()
  @IsObject()
  @MaxJsonBytes(MAX_SETTINGS_BYTES)
  settings?: Record<string, unknown>;
}
