import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserStatus, UserType } from '../common/user-types';
import { updateReturning } from '../database/sql';

export interface AccountRow {
  id: string;
  tenant_id: string;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  user_type: UserType;
  status: UserStatus;
  status_reason: string | null;
  email_verified: boolean;
  email_verified_at: Date | null;
  last_login_at: Date | null;
  last_login_ip: string | null;
  password_changed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  erased_at: Date | null;
}

export interface RoleRow {
  name: string;
  created_at: Date;
}

export interface ProfileRow {
  display_name: string | null;
  avatar_url: string | null;
  bio: string | null;
  job_title: string | null;
  department: string | null;
  timezone: string | null;
  locale: string | null;
  updated_at: Date;
}

export interface ContactInfoRow {
  phone_enc: string | null;
  mobile_phone_enc: string | null;
  address_line1_enc: string | null;
  address_line2_enc: string | null;
  city_enc: string | null;
  state_enc: string | null;
  postal_code_enc: string | null;
  country_enc: string | null;
  date_of_birth_enc: string | null;
  updated_at: Date;
}

export interface PreferencesRow {
  language: string | null;
  theme: string | null;
  notify_email: boolean;
  notify_sms: boolean;
  settings: Record<string, unknown>;
  updated_at: Date;
}

export interface SessionRow {
  id: string;
  ip_address: string | null;
  user_agent: string | null;
  device: Record<string, unknown> | null;
  device_id: string | null;
  location: Record<string, unknown> | null;
  created_at: Date;
  last_active_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface TrustedDeviceRow {
  id: string;
  device_id: string | null;
  device: Record<string, unknown> | null;
  ip_address: string | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface MfaMethodRow {
  method: string;
  enabled: boolean;
  created_at: Date;
  enabled_at: Date | null;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
  created_at: Date;
}

export interface InvitationRow {
  id: string;
  email: string;
  user_type: string;
  roles: string[];
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

export interface ErasureSubject {
  id: string;
  email: string;
  user_type: UserType;
  erased_at: Date | null;
}

/**
 * Every table that holds data about a user, read and erased with plain SQL per table: the export and the
 * erasure must cover records of features that have no service of their own here. Every query names the
 * tenant and runs in the caller's transaction. No query selects a secret (password or token hashes, MFA secrets, key hashes).
 */
@Injectable()
export class PersonalDataRepository {
  // ---- reads (export) ----

  /** The account, deleted or erased ones included (an administrator may export or erase those). */
  async account(manager: EntityManager, tenantId: string, userId: string): Promise<AccountRow | undefined> {
    const [row] = await manager.query<AccountRow[]>(
      `SELECT u.id, u.tenant_id, u.username, u.email, u.first_name, u.last_name, u.user_type, u.status,
              u.status_reason, u.email_verified, u.email_verified_at, u.last_login_at, u.last_login_ip,
              p.changed_at AS password_changed_at, u.created_at, u.updated_at, u.deleted_at, u.erased_at
         FROM users_v2 u
         LEFT JOIN user_passwords_v2 p ON p.tenant_id = u.tenant_id AND p.user_id = u.id
        WHERE u.tenant_id = $1 AND u.id = $2`,
      [tenantId, userId],
    );
    return row;
  }

  roles(manager: EntityManager, tenantId: string, userId: string): Promise<RoleRow[]> {
    return manager.query(
      `SELECT r.name, ur.created_at FROM user_roles ur
         JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
        WHERE ur.tenant_id = $1 AND ur.user_id = $2 ORDER BY r.name`,
      [tenantId, userId],
    );
  }

  async profile(manager: EntityManager, tenantId: string, userId: string): Promise<ProfileRow | undefined> {
    const [row] = await manager.query<ProfileRow[]>(
      `SELECT display_name, avatar_url, bio, job_title, department, timezone, locale, updated_at
         FROM user_profiles_v2 WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    return row;
  }

  async contactInfo(manager: EntityManager, tenantId: string, userId: string): Promise<ContactInfoRow | undefined> {
    const [row] = await manager.query<ContactInfoRow[]>(
      `SELECT phone_enc, mobile_phone_enc, address_line1_enc, address_line2_enc, city_enc, state_enc,
              postal_code_enc, country_enc, date_of_birth_enc, updated_at
         FROM user_contact_info_v2 WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    return row;
  }

  async preferences(manager: EntityManager, tenantId: string, userId: string): Promise<PreferencesRow | undefined> {
    const [row] = await manager.query<PreferencesRow[]>(
      `SELECT language, theme, notify_email, notify_sms, settings, updated_at
         FROM user_preferences_v2 WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    return row;
  }

  sessions(manager: EntityManager, tenantId: string, userId: string): Promise<SessionRow[]> {
    return manager.query(
      `SELECT id, ip_address, user_agent, device, device_id, location, created_at, last_active_at, expires_at,
              revoked_at, revoked_reason
         FROM user_sessions_v2 WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC`,
      [tenantId, userId],
    );
  }

  trustedDevices(manager: EntityManager, tenantId: string, userId: string): Promise<TrustedDeviceRow[]> {
    return manager.query(
      `SELECT id, device_id, device, ip_address, created_at, last_used_at, expires_at, revoked_at
         FROM trusted_devices WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC`,
      [tenantId, userId],
    );
  }

  mfaMethods(manager: EntityManager, tenantId: string, userId: string): Promise<MfaMethodRow[]> {
    return manager.query(
      `SELECT method, enabled, created_at, enabled_at
         FROM user_mfa_v2 WHERE tenant_id = $1 AND user_id = $2 ORDER BY method`,
      [tenantId, userId],
    );
  }

  apiKeys(manager: EntityManager, tenantId: string, userId: string): Promise<ApiKeyRow[]> {
    return manager.query(
      `SELECT id, name, prefix, scopes, expires_at, last_used_at, revoked_at, revoked_reason, created_at
         FROM user_api_keys_v2 WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC`,
      [tenantId, userId],
    );
  }

  invitationsSent(manager: EntityManager, tenantId: string, userId: string): Promise<InvitationRow[]> {
    return manager.query(
      `SELECT id, email, user_type, roles, invited_by, created_at, expires_at, accepted_at, revoked_at
         FROM invitations WHERE tenant_id = $1 AND invited_by = $2 ORDER BY created_at DESC`,
      [tenantId, userId],
    );
  }

  invitationsReceived(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    email: string,
  ): Promise<InvitationRow[]> {
    return manager.query(
      `SELECT id, email, user_type, roles, invited_by, created_at, expires_at, accepted_at, revoked_at
         FROM invitations WHERE tenant_id = $1 AND (user_id = $2 OR lower(email) = lower($3))
        ORDER BY created_at DESC`,
      [tenantId, userId, email],
    );
  }

  // ---- erasure (all inside the caller's transaction) ----

  /** Locks the account row, so that concurrent erasures of one user run one after the other. */
  async lockForErasure(manager: EntityManager, tenantId: string, userId: string): Promise<ErasureSubject | undefined> {
    const [row] = await manager.query<ErasureSubject[]>(
      `SELECT id, email, user_type, erased_at FROM users_v2 WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, userId],
    );
    return row;
  }

  /** Other active super admins anywhere: the last one may not be erased, or nobody could administer. */
  async otherActiveSuperAdmins(manager: EntityManager, userId: string): Promise<number> {
    const [row] = await manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM users_v2
        WHERE user_type = 'super_admin' AND status = 'active' AND deleted_at IS NULL AND id <> $1`,
      [userId],
    );
    return row.n;
  }

  /**
   * The account row keeps its id (the pseudonymous reference every audit entry points at) and loses
   * everything personal; search_text is generated from these columns, so it follows.
   */
  async anonymizeAccount(manager: EntityManager, tenantId: string, userId: string): Promise<Date> {
    const [row] = await updateReturning<{ erased_at: Date }>(
      manager,
      `UPDATE users_v2 SET
          username = 'erased-' || left(replace(id::text, '-', ''), 12),
          email = 'erased-' || id::text || '@invalid',
          first_name = '', last_name = '', status = 'deleted', status_reason = NULL,
          last_login_ip = NULL, failed_login_attempts = 0, locked_until = NULL,
          deleted_at = coalesce(deleted_at, now()), erased_at = now(), updated_at = now()
        WHERE tenant_id = $1 AND id = $2
        RETURNING erased_at`,
      [tenantId, userId],
    );
    return row.erased_at;
  }

  /** Rows that are nothing but the user's personal data or secrets: deleted outright. */
  async deletePersonalRows(manager: EntityManager, tenantId: string, userId: string): Promise<void> {
    for (const table of [
      'user_profiles_v2',
      'user_contact_info_v2',
      'user_preferences_v2',
      'user_passwords_v2',
      'password_history_v2',
      'user_mfa_v2',
      'mfa_backup_codes',
      'one_time_tokens',
    ]) {
      await manager.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
    }
  }

  /** Records kept for their history, stripped of what identifies the person or their devices. */
  async blankKeptRecords(manager: EntityManager, tenantId: string, userId: string, email: string): Promise<void> {
    const params = [tenantId, userId];
    await manager.query(`UPDATE user_consents SET ip_address = NULL WHERE tenant_id = $1 AND user_id = $2`, params);
    await manager.query(
      `UPDATE user_sessions_v2 SET ip_address = NULL, user_agent = NULL, device = NULL, device_id = NULL, location = NULL
        WHERE tenant_id = $1 AND user_id = $2`,
      params,
    );
    await manager.query(
      `UPDATE trusted_devices SET revoked_at = coalesce(revoked_at, now()), ip_address = NULL, device = NULL, device_id = NULL
        WHERE tenant_id = $1 AND user_id = $2`,
      params,
    );
    // Invitations addressed to the user; a pending one is withdrawn, since its address is gone.
    await manager.query(
      `UPDATE invitations SET email = '',
              revoked_at = CASE WHEN accepted_at IS NULL THEN coalesce(revoked_at, now()) ELSE revoked_at END
        WHERE tenant_id = $1 AND (user_id = $2 OR lower(email) = lower($3))`,
      [tenantId, userId, email],
    );
    // Stored replies for retried requests may repeat the user's data (e.g. the answer that created them).
    await manager.query(
      `DELETE FROM idempotency_keys
        WHERE tenant_id = $1 AND (actor_id = $2 OR strpos(coalesce(response::text, ''), $2::text) > 0)`,
      params,
    );
  }
}
