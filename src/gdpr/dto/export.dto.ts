import { ApiProperty } from '@nestjs/swagger';
import { USER_STATUSES, USER_TYPES, type UserStatus, type UserType } from '../../common/user-types';
import { AuditEntryDto } from '../../audit/dto/audit-entry.dto';
import { ConsentRecordDto } from './consent.dto';

const nullableString = { type: String, nullable: true } as const;
const nullableDate = { type: String, format: 'date-time', nullable: true } as const;
const jsonObject = { type: 'object', additionalProperties: true, nullable: true } as const;

export class ExportedAccountDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenantId: string;
  @ApiProperty() username: string;
  @ApiProperty() email: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ enum: USER_TYPES }) userType: UserType;
  @ApiProperty({ enum: USER_STATUSES }) status: UserStatus;
  @ApiProperty(nullableString) statusReason: string | null;
  @ApiProperty() emailVerified: boolean;
  @ApiProperty(nullableDate) emailVerifiedAt: string | null;
  @ApiProperty(nullableDate) lastLoginAt: string | null;
  @ApiProperty(nullableString) lastLoginIp: string | null;
  @ApiProperty(nullableDate) passwordChangedAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty(nullableDate) deletedAt: string | null;
  @ApiProperty(nullableDate) erasedAt: string | null;
}

export class ExportedRoleDto {
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) grantedAt: string;
}

export class ExportedProfileDto {
  @ApiProperty(nullableString) displayName: string | null;
  @ApiProperty(nullableString) avatarUrl: string | null;
  @ApiProperty(nullableString) bio: string | null;
  @ApiProperty(nullableString) jobTitle: string | null;
  @ApiProperty(nullableString) department: string | null;
  @ApiProperty(nullableString) timezone: string | null;
  @ApiProperty(nullableString) locale: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ExportedContactInfoDto {
  @ApiProperty(nullableString) phone: string | null;
  @ApiProperty(nullableString) mobilePhone: string | null;
  @ApiProperty(nullableString) addressLine1: string | null;
  @ApiProperty(nullableString) addressLine2: string | null;
  @ApiProperty(nullableString) city: string | null;
  @ApiProperty(nullableString) state: string | null;
  @ApiProperty(nullableString) postalCode: string | null;
  @ApiProperty(nullableString) country: string | null;
  @ApiProperty(nullableString) dateOfBirth: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ExportedNotificationPreferencesDto {
  @ApiProperty() email: boolean;
  @ApiProperty() sms: boolean;
}

export class ExportedPreferencesDto {
  @ApiProperty(nullableString) language: string | null;
  @ApiProperty(nullableString) theme: string | null;
  @ApiProperty({ type: ExportedNotificationPreferencesDto }) notifications: ExportedNotificationPreferencesDto;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ExportedSessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty(nullableString) ipAddress: string | null;
  @ApiProperty(nullableString) userAgent: string | null;
  @ApiProperty(jsonObject) device: Record<string, unknown> | null;
  @ApiProperty(nullableString) deviceId: string | null;
  @ApiProperty(jsonObject) location: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) lastActiveAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty(nullableDate) revokedAt: string | null;
  @ApiProperty(nullableString) revokedReason: string | null;
}

export class ExportedTrustedDeviceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty(nullableString) deviceId: string | null;
  @ApiProperty(jsonObject) device: Record<string, unknown> | null;
  @ApiProperty(nullableString) ipAddress: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty(nullableDate) lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty(nullableDate) revokedAt: string | null;
}

export class ExportedMfaMethodDto {
  @ApiProperty({ enum: ['totp', 'sms', 'email'] }) method: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty(nullableDate) enabledAt: string | null;
}

export class ExportedApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The public prefix of the key (never the key or its hash)' }) prefix: string;
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty(nullableDate) expiresAt: string | null;
  @ApiProperty(nullableDate) lastUsedAt: string | null;
  @ApiProperty(nullableDate) revokedAt: string | null;
  @ApiProperty(nullableString) revokedReason: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ExportedInvitationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: USER_TYPES }) userType: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) invitedBy: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty(nullableDate) acceptedAt: string | null;
  @ApiProperty(nullableDate) revokedAt: string | null;
}

/** Every record held about one user (GDPR art. 15 and 20); never a secret, token or hash. */
export class UserExportDto {
  @ApiProperty({ format: 'date-time' }) exportedAt: string;
  @ApiProperty({ type: ExportedAccountDto }) account: ExportedAccountDto;
  @ApiProperty({ type: [ExportedRoleDto] }) roles: ExportedRoleDto[];
  @ApiProperty({ type: ExportedProfileDto, nullable: true }) profile: ExportedProfileDto | null;
  @ApiProperty({ type: ExportedContactInfoDto, nullable: true, description: 'Decrypted' })
  contactInfo: ExportedContactInfoDto | null;
  @ApiProperty({ type: ExportedPreferencesDto, nullable: true }) preferences: ExportedPreferencesDto | null;
  @ApiProperty({ type: [ExportedSessionDto] }) sessions: ExportedSessionDto[];
  @ApiProperty({ type: [ExportedTrustedDeviceDto] }) trustedDevices: ExportedTrustedDeviceDto[];
  @ApiProperty({ type: [ConsentRecordDto] }) consents: ConsentRecordDto[];
  @ApiProperty({ type: [ExportedMfaMethodDto] }) mfaMethods: ExportedMfaMethodDto[];
  @ApiProperty({ type: [ExportedApiKeyDto] }) apiKeys: ExportedApiKeyDto[];
  @ApiProperty({ type: [ExportedInvitationDto], description: 'Invitations this user sent' })
  invitationsSent: ExportedInvitationDto[];
  @ApiProperty({ type: [ExportedInvitationDto], description: 'Invitations addressed to this user' })
  invitationsReceived: ExportedInvitationDto[];
  @ApiProperty({
    type: [AuditEntryDto],
    description: 'Audit entries where the user is the actor or the target, oldest first',
  })
  auditEntries: AuditEntryDto[];
}
