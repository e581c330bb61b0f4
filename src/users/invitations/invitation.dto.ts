import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { USER_TYPES, type UserType } from '../../common/user-types';
import { IsNormalizedEmail } from '../dto/validation';

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export class CreateInvitationDto {
  @ApiProperty({ example: 'new.hire@example.com', description: 'Stored in lower case' })
  @IsNormalizedEmail()
  email: string;

  @ApiProperty({ enum: USER_TYPES })
  @IsIn(USER_TYPES)
  userType: UserType;

  @ApiPropertyOptional({
    example: ['helpdesk'],
    type: [String],
    description: 'Role names of the tenant, granted on acceptance',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  roles?: string[];
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: USER_TYPES }) userType: UserType;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ enum: INVITATION_STATUSES }) status: InvitationStatus;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) invitedBy: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ListInvitationsQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

export class InvitationPageDto {
  @ApiProperty({ type: [InvitationDto] }) items: InvitationDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}
