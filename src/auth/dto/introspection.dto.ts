import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { PERMISSIONS } from '../../common/auth/permissions';
import { USER_TYPES, type UserType } from '../../common/user-types';
import type { SessionRestriction } from '../../common/context/request-context';

export class IntrospectDto {
  @ApiProperty({ description: 'The access token to look at', example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9...' })
  @IsString()
  @MinLength(1)
  @MaxLength(8192)
  token: string;
}

/**
 * RFC 7662 answer. An inactive token (bad signature, expired, revoked session, suspended user, another
 * tenant's token for a tenant-bound caller) answers `{ active: false }` and nothing else.
 */
export class IntrospectionDto {
  @ApiProperty({ description: 'Whether the token is genuine, unexpired and its session still alive', example: true })
  active: boolean;

  @ApiPropertyOptional({ format: 'uuid', description: 'The user id' })
  sub?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The user's tenant id" })
  tid?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The session id' })
  sid?: string;

  @ApiPropertyOptional({ description: 'Expiry (seconds since the epoch)', example: 1767225600 })
  exp?: number;

  @ApiPropertyOptional({ description: 'Issued at (seconds since the epoch)', example: 1767224700 })
  iat?: number;

  @ApiPropertyOptional({ example: 'dotmac-user-management' })
  iss?: string;

  @ApiPropertyOptional({ example: 'dotmac-api' })
  aud?: string;

  @ApiPropertyOptional({ enum: ['Bearer'], example: 'Bearer' })
  tokenType?: 'Bearer';

  @ApiPropertyOptional({
    description: "The user's permissions now (not at issue time), space-separated",
    example: 'users:read sessions:read',
  })
  scope?: string;

  @ApiPropertyOptional({ description: 'The same permissions as a list', enum: Object.keys(PERMISSIONS), isArray: true })
  permissions?: string[];

  @ApiPropertyOptional({ example: 'jdoe' })
  username?: string;

  @ApiPropertyOptional({ enum: USER_TYPES })
  userType?: UserType;

  @ApiPropertyOptional({
    enum: ['password_change', 'mfa_setup'],
    description: 'Present when the session only reaches some routes until the user acts',
  })
  restriction?: SessionRestriction;
}
