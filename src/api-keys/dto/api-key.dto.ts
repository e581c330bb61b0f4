import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ALL_PERMISSIONS, type Permission } from '../../common/auth/permissions';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing-sync', minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({
    type: [String],
    enum: ALL_PERMISSIONS,
    example: ['users:read'],
    description: 'What the key may do: a subset of your own permissions; at use, also narrowed to what you hold then',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ALL_PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(ALL_PERMISSIONS, {
    each: true,
    message: 'each value in scopes must be a known permission (see GET /permissions)',
  })
  scopes: Permission[];

  @ApiPropertyOptional({
    example: '2027-01-01T00:00:00Z',
    type: String,
    format: 'date-time',
    description: 'When the key stops working (default: never)',
  })
  @IsOptional()
  // Only text and numbers become dates: `new Date()` of an object or array calls its toString, which a
  // request body can make throw (a 500; found by fuzzing). Anything else fails @IsDate (400).
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' || typeof value === 'number' ? new Date(value) : value,
  )
  @IsDate({ message: 'expiresAt must be an ISO-8601 date-time' })
  expiresAt?: Date;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'dmac_Zx4pQ1k', description: 'The first characters of the key, to recognise it' })
  prefix: string;
  @ApiProperty({ example: 'billing-sync' }) name: string;
  @ApiProperty({ type: [String], example: ['users:read'] }) scopes: string[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Updated at most once a minute' })
  lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'dmac_Zx4pQ1k9m…',
    description: 'The key: send it as X-API-Key. Shown only in this answer; only its hash is stored',
  })
  key: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) items: ApiKeyDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}
