import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

export class TrustedDeviceInfoDto {
  @ApiProperty({ type: String, nullable: true, example: 'Firefox 128' }) browser: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Linux' }) os: string | null;
  @ApiProperty({ example: 'desktop' }) type: string;
}

export class TrustedDeviceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: TrustedDeviceInfoDto, nullable: true }) device: TrustedDeviceInfoDto | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The address the device was trusted from' })
  ipAddress: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class TrustedDeviceIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

export class TrustedDeviceListQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize: number = 20;
}

export class TrustedDeviceListDto {
  @ApiProperty({ type: [TrustedDeviceDto] }) items: TrustedDeviceDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}
