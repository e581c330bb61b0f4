import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class DeviceDto {
  @ApiProperty({ type: String, nullable: true, example: 'Firefox 128' }) browser: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Linux' }) os: string | null;
  @ApiProperty({ example: 'desktop', description: 'desktop, mobile, tablet, … or unknown' }) type: string;
}

export class LocationDto {
  @ApiProperty({ type: String, nullable: true, description: 'ISO 3166-1 alpha-2', example: 'DE' }) country:
    string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Berlin' }) city: string | null;
  @ApiProperty({ type: Number, nullable: true }) latitude: number | null;
  @ApiProperty({ type: Number, nullable: true }) longitude: number | null;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'This is the session of the access token making the request' }) current: boolean;
  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' }) ipAddress: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent: string | null;
  @ApiProperty({ type: DeviceDto, nullable: true }) device: DeviceDto | null;
  @ApiProperty({ type: LocationDto, nullable: true, description: 'From GeoIP; null for unknown or private addresses' })
  location: LocationDto | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) lastActiveAt: string;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] }) items: SessionDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class SessionPageQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}
