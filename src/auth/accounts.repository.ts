import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { UserStatus, UserType } from '../common/user-types';
import { updateReturning } from '../database/sql';
import { hashToken } from '../sessions/sessions.service';

export interface NewAccount {
  tenantId: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  userType: UserType;
  status: UserStatus;
  emailVerified: boolean;
}

export interface Invitation {
  id: string;
  tenantId: string;
  email: string;
  userType: UserType;
  roles: string[];
  userId: string | null;
  invitedBy: string | null;
}

/** The queries of self-service account flows (registration, verification, invitations); each names the tenant. */
@Injectable()
export class AccountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Which of the username and email another live account of the tenant already uses. */
  async taken(
    tenantId: string,
    o: { username: string; email: string; exceptUserId?: string },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ username: boolean; email: boolean }> {
    const [row] = await manager.query<{ username: boolean; email: boolean }[]>(
      `SELECT coalesce(bool_or(lower(username) = lower($2)), false) AS username,
              coalesce(bool_or(lower(email) = lower($3)), false) AS email
         FROM users_v2
        WHERE tenant_id = $1 AND deleted_at IS NULL AND id IS DISTINCT FROM $4
          AND (lower(username) = lower($2) OR lower(email) = lower($3))`,
      [tenantId, o.username, o.email, o.exceptUserId ?? null],
    );
    return row;
  }

  async insertUser(manager: EntityManager, a: NewAccount): Promise<string> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO users_v2 (tenant_id, username, email, first_name, last_name, user_type, status, email_verified,
                             email_verified_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 THEN now() END) RETURNING id`,
      [a.tenantId, a.username, a.email, a.firstName, a.lastName, a.userType, a.status, a.emailVerified],
    );
    return row.id;
  }

  /** The phone number of a new account, encrypted by the caller (FieldCipher). */
  async insertPhone(manager: EntityManager, tenantId: string, userId: string, phoneEnc: string): Promise<void> {
    await manager.query(`INSERT INTO user_contact_info_v2 (user_id, tenant_id, phone_enc) VALUES ($1, $2, $3)`, [
      userId,
      tenantId,
      phoneEnc,
    ]);
  }

  async recordConsents(
    manager: EntityManager,
    o: { tenantId: string; userId: string; terms: string; privacy: string; ip: string | undefined },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO user_consents (tenant_id, user_id, document, version, ip_address)
       VALUES ($1, $2, 'terms', $3, $5), ($1, $2, 'privacy', $4, $5)`,
      [o.tenantId, o.userId, o.terms, o.privacy, o.ip ?? null],
    );
  }

  /** Verified email: a pending account becomes active; other statuses (suspended, …) are left alone. */
  async markEmailVerified(manager: EntityManager, tenantId: string, userId: string): Promise<void> {
    await manager.query(
      `UPDATE users_v2 SET email_verified = true, email_verified_at = coalesce(email_verified_at, now()),
              status = CASE WHEN status = 'pending' THEN 'active' ELSE status END, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [tenantId, userId],
    );
  }

  /** The account that a password-reset request names: active, by email, case-insensitive. */
  async findActiveByEmail(tenantId: string, email: string): Promise<{ id: string; email: string } | undefined> {
    const [row] = await this.dataSource.query<{ id: string; email: string }[]>(
      `SELECT id, email FROM users_v2
        WHERE tenant_id = $1 AND lower(email) = lower($2) AND status = 'active' AND deleted_at IS NULL`,
      [tenantId, email],
    );
    return row;
  }

  /** An invitation of the tenant that can still be accepted (not expired, accepted or revoked). */
  async findUsableInvitation(tenantId: string, token: string): Promise<Invitation | undefined> {
    const [row] = await this.dataSource.query<
      {
        id: string;
        tenant_id: string;
        email: string;
        user_type: UserType;
        roles: string[];
        user_id: string | null;
        invited_by: string | null;
      }[]
    >(
      `SELECT id, tenant_id, email, user_type, roles, user_id, invited_by FROM invitations
        WHERE tenant_id = $1 AND token_hash = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
      [tenantId, hashToken(token)],
    );
    if (!row) return undefined;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      email: row.email,
      userType: row.user_type,
      roles: row.roles,
      userId: row.user_id,
      invitedBy: row.invited_by,
    };
  }

  /**
   * Marks an invitation accepted, first thing in the accepting transaction: its row lock makes a concurrent
   * acceptance wait and then find it used (false), before either creates an account.
   */
  async claimInvitation(manager: EntityManager, tenantId: string, invitationId: string): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      manager,
      `UPDATE invitations SET accepted_at = now()
        WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
        RETURNING id`,
      [tenantId, invitationId],
    );
    return rows.length === 1;
  }

  async linkInvitation(manager: EntityManager, tenantId: string, invitationId: string, userId: string): Promise<void> {
    await manager.query(`UPDATE invitations SET user_id = $3 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      invitationId,
      userId,
    ]);
  }

  /** An invited account that already exists (created pending by an administrator) gets its username and is active. */
  async activateInvited(manager: EntityManager, tenantId: string, userId: string, username: string): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      manager,
      `UPDATE users_v2 SET username = $3, status = 'active', email_verified = true,
              email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND deleted_at IS NULL
        RETURNING id`,
      [tenantId, userId, username],
    );
    return rows.length === 1;
  }
}
