import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ALL_PERMISSIONS, type Permission } from '../../common/auth/permissions';
import { OptionalNotNull } from '../../common/http/optional';

export const ROLE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,63}$/;
const ROLE_NAME_MESSAGE = 'name must be 2–64 characters: letters, digits, dot, underscore, hyphen (not first)';
const PERMISSION_MESSAGE = `each value in permissions must be a known permission (see GET /permissions)`;

export class PermissionDto {
  @ApiProperty({ example: 'users:read' }) name: string;
  @ApiProperty({ example: 'Read user accounts of the tenant' }) description: string;
}

export class PermissionListDto {
  @ApiProperty({ type: [PermissionDto] }) items: PermissionDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class RoleDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'billing-clerk' }) name: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ description: 'Built-in roles are named after the user types; they cannot be changed or deleted' })
  builtIn: boolean;
  @ApiProperty({ type: [String], example: ['users:read'] }) permissions: string[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class RoleListDto {
  @ApiProperty({ type: [RoleDto] }) items: RoleDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class CreateRoleDto {
  @ApiProperty({ example: 'billing-clerk', pattern: ROLE_NAME_PATTERN.source })
  @IsString()
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  name: string;

  @ApiPropertyOptional({ example: 'Help desk of the Berlin office', type: String, nullable: true, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiProperty({ type: [String], enum: ALL_PERMISSIONS, example: ['users:read', 'sessions:read'] })
  @IsArray()
  @ArrayMaxSize(ALL_PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(ALL_PERMISSIONS, { each: true, message: PERMISSION_MESSAGE })
  permissions: Permission[];
}

/** Every field optional: what is given replaces what the role had; `permissions` replaces the whole set. */
export class UpdateRoleDto {
  @ApiPropertyOptional({ example: 'billing-clerk', pattern: ROLE_NAME_PATTERN.source })
  @OptionalNotNull()
  @IsString()
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ example: 'Help desk of the Berlin office', type: String, nullable: true, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ type: [String], enum: ALL_PERMISSIONS })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(ALL_PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(ALL_PERMISSIONS, { each: true, message: PERMISSION_MESSAGE })
  permissions?: Permission[];
}

export class AssignRolesDto {
  @ApiProperty({
    type: [String],
    example: ['support', 'billing-clerk'],
    description:
      'The complete set of roles granted to the user, by name: it replaces what they had ([] removes every granted role). ' +
      'The built-in role of the user’s own type is implicit and need not be listed.',
  })
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique((n: unknown) => (typeof n === 'string' ? n.toLowerCase() : n))
  @IsString({ each: true })
  @Matches(ROLE_NAME_PATTERN, { each: true, message: 'each value in roles must be a role name' })
  roles: string[];
}

export class UserRolesDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ type: [String], description: 'Roles granted to the user (besides the built-in role of their type)' })
  roles: string[];
  @ApiProperty({
    type: [String],
    description: 'Effective permissions: the user type’s built-in role plus the granted roles',
  })
  permissions: string[];
}
