import type { ConsentRecordDto } from './dto/consent.dto';
import type {
  ExportedAccountDto,
  ExportedApiKeyDto,
  ExportedInvitationDto,
  ExportedMfaMethodDto,
  ExportedPreferencesDto,
  ExportedProfileDto,
  ExportedSessionDto,
  ExportedTrustedDeviceDto,
} from './dto/export.dto';
import type {
  AccountRow,
  ApiKeyRow,
  InvitationRow,
  MfaMethodRow,
  PreferencesRow,
  ProfileRow,
  SessionRow,
  TrustedDeviceRow,
} from './personal-data.repository';
import type { ConsentRow } from './consents.repository';

// Allowlist mappers: a column added to a table later never reaches an export (or a secret with it) by accident.

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export function toExportedAccount(r: AccountRow): ExportedAccountDto {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    username: r.username,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    userType: r.user_type,
    status: r.status,
    statusReason: r.status_reason,
    emailVerified: r.email_verified,
    emailVerifiedAt: iso(r.email_verified_at),
    lastLoginAt: iso(r.last_login_at),
    lastLoginIp: r.last_login_ip,
    passwordChangedAt: iso(r.password_changed_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    deletedAt: iso(r.deleted_at),
    erasedAt: iso(r.erased_at),
  };
}

export function toExportedProfile(r: ProfileRow): ExportedProfileDto {
  return {
    displayName: r.display_name,
    avatarUrl: r.avatar_url,
    bio: r.bio,
    jobTitle: r.job_title,
    department: r.department,
    timezone: r.timezone,
    locale: r.locale,
    updatedAt: r.updated_at.toISOString(),
  };
}

export function toExportedPreferences(r: PreferencesRow): ExportedPreferencesDto {
  return {
    language: r.language,
    theme: r.theme,
    notifications: { email: r.notify_email, sms: r.notify_sms },
    settings: r.settings,
    updatedAt: r.updated_at.toISOString(),
  };
}

export function toExportedSession(r: SessionRow): ExportedSessionDto {
  return {
    id: r.id,
    ipAddress: r.ip_address,
    userAgent: r.user_agent,
    device: r.device,
    deviceId: r.device_id,
    location: r.location,
    createdAt: r.created_at.toISOString(),
    lastActiveAt: r.last_active_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    revokedAt: iso(r.revoked_at),
    revokedReason: r.revoked_reason,
  };
}

export function toExportedTrustedDevice(r: TrustedDeviceRow): ExportedTrustedDeviceDto {
  return {
    id: r.id,
    deviceId: r.device_id,
    device: r.device,
    ipAddress: r.ip_address,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: iso(r.last_used_at),
    expiresAt: r.expires_at.toISOString(),
    revokedAt: iso(r.revoked_at),
  };
}

export function toConsentRecord(r: ConsentRow): ConsentRecordDto {
  return { document: r.document, version: r.version, acceptedAt: r.accepted_at.toISOString(), ipAddress: r.ip_address };
}

export function toExportedMfaMethod(r: MfaMethodRow): ExportedMfaMethodDto {
  return { method: r.method, enabled: r.enabled, createdAt: r.created_at.toISOString(), enabledAt: iso(r.enabled_at) };
}

export function toExportedApiKey(r: ApiKeyRow): ExportedApiKeyDto {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    expiresAt: iso(r.expires_at),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
    revokedReason: r.revoked_reason,
    createdAt: r.created_at.toISOString(),
  };
}

export function toExportedInvitation(r: InvitationRow): ExportedInvitationDto {
  return {
    id: r.id,
    email: r.email,
    userType: r.user_type,
    roles: r.roles,
    invitedBy: r.invited_by,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    acceptedAt: iso(r.accepted_at),
    revokedAt: iso(r.revoked_at),
  };
}
