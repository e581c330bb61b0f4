import type { ProfilePartsDto } from '../profiles/profiles.mapper';
import type { UserDetailDto, UserSummaryDto } from './dto/user-detail.dto';
import type { UserDto } from './dto/user.dto';
import type { User } from './entities/user.entity';

/** The allowlist of what a client sees of an account: a new column never leaks by accident. */
export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    tenantId: user.tenantId,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    userType: user.userType,
    status: user.status,
    isActive: user.status === 'active',
    emailVerified: user.emailVerified,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

export function toUserSummaryDto(user: User, roles: string[]): UserSummaryDto {
  return { ...toUserDto(user), roles };
}

export function toUserDetailDto(user: User, roles: string[], parts: ProfilePartsDto): UserDetailDto {
  return {
    ...toUserSummaryDto(user, roles),
    statusReason: user.statusReason,
    profile: parts.profile,
    contactInfo: parts.contactInfo,
    preferences: parts.preferences,
  };
}
