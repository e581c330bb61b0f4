import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { OptionalNotNull } from '../../common/http/optional';
import { PageQueryDto } from '../../common/http/page';
import { TenantSettingsDto } from './tenant-settings.dto';

export const TENANT_STATUSES = ['active', 'suspended'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];
export const TENANT_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme' }) slug: string;
  @ApiProperty({ example: 'Acme Networks' }) name: string;
  @ApiProperty({ enum: TENANT_STATUSES }) status: TenantStatus;
  @ApiProperty({ type: TenantSettingsDto, description: "The tenant's overrides of the defaults" })
  settings: TenantSettingsDto;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class TenantListDto {
  @ApiProperty({ type: [TenantDto] }) items: TenantDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Networks', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'acme', pattern: TENANT_SLUG_PATTERN.source, description: 'Immutable once created' })
  @IsString()
  @Matches(TENANT_SLUG_PATTERN, {
    message: 'slug must be 2–63 lowercase letters, digits or hyphens, not starting with a hyphen',
  })
  slug: string;

  @ApiPropertyOptional({ type: TenantSettingsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TenantSettingsDto)
  settings?: TenantSettingsDto;
}

/**
 * Every field optional. `settings`, when given, replaces the tenant's settings as a whole (send {} to go
 * back to the defaults). Suspending revokes every session of the tenant; its users cannot sign in and its
 * API keys stop working until it is active again. The slug cannot change.
 */
export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Acme Networks', minLength: 1, maxLength: 200 })
  @OptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @OptionalNotNull()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ type: TenantSettingsDto })
  @OptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => TenantSettingsDto)
  settings?: TenantSettingsDto;
}

export class ListTenantsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;
}
