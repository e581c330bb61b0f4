import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { USER_STATUSES, USER_TYPES, type UserStatus, type UserType } from '../../common/user-types';
import { UserSummaryDto } from '../dto/user-detail.dto';
import { OptionalNotNull } from '../dto/validation';

export const SORT_FIELDS = ['createdAt', 'username', 'email', 'lastName', 'lastLoginAt'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export class SearchUsersDto {
  @ApiPropertyOptional({
    maxLength: 200,
    example: 'jose garc',
    description:
      'Substring of username, email, first or last name; case- and accent-insensitive. Several words: each ' +
      'must match. % and _ are literal.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  query?: string;

  @ApiPropertyOptional({ enum: USER_TYPES })
  @IsOptional()
  @IsIn(USER_TYPES)
  userType?: UserType;

  @ApiPropertyOptional({ enum: USER_STATUSES, description: 'Deleted accounts are listed only when asked for' })
  @IsOptional()
  @IsIn(USER_STATUSES)
  status?: UserStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional({
    example: 'helpdesk',
    description: 'A role name: users granted it, or whose user type is named so',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  role?: string;

  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z', format: 'date-time', description: 'Inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdFrom?: string;

  @ApiPropertyOptional({ example: '2026-12-31T23:59:59Z', format: 'date-time', description: 'Inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdTo?: string;

  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z', format: 'date-time', description: 'Inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  lastLoginFrom?: string;

  @ApiPropertyOptional({ example: '2026-12-31T23:59:59Z', format: 'date-time', description: 'Inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  lastLoginTo?: string;

  @ApiPropertyOptional({ example: 1, minimum: 1, default: 1, description: 'Offset paging; for deep paging use cursor' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ example: 20, minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  pageSize?: number;

  @ApiPropertyOptional({ enum: SORT_FIELDS, default: 'createdAt' })
  @IsOptional()
  @IsIn(SORT_FIELDS, { message: `sortBy must be one of: ${SORT_FIELDS.join(', ')}` })
  sortBy?: SortField;

  @ApiPropertyOptional({ enum: SORT_ORDERS, default: 'desc' })
  @IsOptional()
  @IsIn(SORT_ORDERS)
  sortOrder?: SortOrder;

  @ApiPropertyOptional({
    example: 'eyJ2IjoxLCJzIjoiY3JlYXRlZEF0In0',
    description:
      'The nextCursor of the previous answer, sent with the same search: pages by keyset, as fast at any depth. ' +
      'Not together with page.',
  })
  @OptionalNotNull()
  @IsString()
  @Length(1, 1024)
  cursor?: string;
}

export class UserPageDto {
  @ApiProperty({ type: [UserSummaryDto] }) items: UserSummaryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Send it back as cursor for the next page; null on the last page',
  })
  nextCursor: string | null;
}
