import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, QueryFailedError } from 'typeorm';
import { Conflict } from '../common/errors/domain-errors';
import type { UserStatus } from '../common/user-types';
import { prepared } from '../database/prepared-statements';
import { type Statement, updateReturning } from '../database/sql';
import { userColumns } from './search/users-search.repository';
import { User } from './entities/user.entity';

/** The user's current password as sign-in needs it. */
export interface PasswordState {
  hash: string;
  changedAt: Date;
  mustChange: boolean;
}

export interface LoginCandidate {
  user: User;
  password: PasswordState | null;
}

/**
 * Takes one login attempt of the user `id` (an SQL expression) names, unless the account is locked or its
 * attempts are all taken: $1 is the tenant, $3 the lockout threshold. An expired lock starts a new run.
 * Returns the id when it took one (see reserveLoginAttempt).
 */
const takeAttempt = (id: string) => `UPDATE users_v2 SET
    failed_login_attempts = CASE WHEN locked_until <= now() THEN 1 ELSE failed_login_attempts + 1 END,
    locked_until = CASE WHEN locked_until <= now() THEN NULL ELSE locked_until END
  WHERE tenant_id = $1 AND id = ${id}
    AND (locked_until <= now() OR (locked_until IS NULL AND failed_login_attempts < $3::bigint))
  RETURNING id`;

export type UserChanges = Partial<
  Pick<User, 'username' | 'email' | 'firstName' | 'lastName' | 'userType' | 'emailVerified' | 'emailVerifiedAt'>
>;

/** The partial unique indexes of the initial migration, and what a client is told when one refuses a write. */
const UNIQUE_MESSAGES: Record<string, string> = {
  users_v2_tenant_username_key: 'The username is already taken in this tenant',
  users_v2_tenant_email_key: 'The email is already in use in this tenant',
};

/** Turns a duplicate username or email into a 409 naming it; anything else is rethrown. */
async function mapUniqueViolation<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    const driver =
      err instanceof QueryFailedError ? (err.driverError as { code?: string; constraint?: string }) : undefined;
    if (driver?.code === '23505' && driver.constraint && UNIQUE_MESSAGES[driver.constraint]) {
      throw new Conflict(UNIQUE_MESSAGES[driver.constraint]);
    }
    throw err;
  }
}

/** Every query on users; each takes the tenant, so none can reach across a tenant boundary. */
@Injectable()
export class UsersRepository {
  /** Every column of the user, aliased to its property (for the sign-in lookup written in SQL). */
  private readonly userColumns: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.userColumns = userColumns(dataSource);
  }

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(User);
  }

  findById(tenantId: string, id: string, manager?: EntityManager): Promise<User | null> {
    return this.repo(manager).findOneBy({ tenantId, id, deletedAt: IsNull() });
  }

  /** The live (not deleted) accounts among these ids. */
  findByIds(tenantId: string, ids: string[]): Promise<User[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repo().findBy({ tenantId, id: In(ids), deletedAt: IsNull() });
  }

  /** The account locked for the rest of the transaction, so that concurrent changes apply one after the other. */
  async lockById(manager: EntityManager, tenantId: string, id: string): Promise<User | null> {
    return this.repo(manager)
      .createQueryBuilder('u')
      .setLock('pessimistic_write')
      .where('u.tenant_id = :tenantId AND u.id = :id AND u.deleted_at IS NULL', { tenantId, id })
      .getOne();
  }

  /** Whether a live account of the tenant has this email (case-insensitive). */
  async existsByEmail(tenantId: string, email: string): Promise<boolean> {
    return this.repo()
      .createQueryBuilder('u')
      .where('u.tenant_id = :tenantId AND lower(u.email) = lower(:email) AND u.deleted_at IS NULL', { tenantId, email })
      .getExists();
  }

  async insert(
    manager: EntityManager,
    user: Partial<User> & Pick<User, 'tenantId' | 'username' | 'email'>,
  ): Promise<User> {
    await this.assertAvailable(manager, user.tenantId, user.username, user.email);
    return mapUniqueViolation(this.repo(manager).save(this.repo(manager).create(user)));
  }

  async update(manager: EntityManager, tenantId: string, id: string, changes: UserChanges): Promise<void> {
    if (Object.keys(changes).length === 0) return;
    await this.assertAvailable(manager, tenantId, changes.username, changes.email, id);
    await mapUniqueViolation(
      this.repo(manager)
        .createQueryBuilder()
        .update()
        .set(changes)
        .where('tenant_id = :tenantId AND id = :id AND deleted_at IS NULL', { tenantId, id })
        .execute(),
    );
  }

  /**
   * A 409 for a username or email already used in the tenant. Checked before writing so that the common
   * case fails cleanly; the unique indexes still decide races (mapUniqueViolation).
   */
  private async assertAvailable(
    manager: EntityManager,
    tenantId: string,
    username: string | undefined,
    email: string | undefined,
    exceptId?: string,
  ): Promise<void> {
    if (username === undefined && email === undefined) return;
    const [row] = await manager.query<{ username_taken: boolean; email_taken: boolean }[]>(
      `SELECT coalesce(bool_or(lower(username) = lower($2)), false) AS username_taken,
              coalesce(bool_or(lower(email) = lower($3)), false) AS email_taken
         FROM users_v2
        WHERE tenant_id = $1 AND deleted_at IS NULL AND id IS DISTINCT FROM $4::uuid
          AND (lower(username) = lower($2) OR lower(email) = lower($3))`,
      [tenantId, username ?? null, email ?? null, exceptId ?? null],
    );
    if (row?.username_taken) throw new Conflict(UNIQUE_MESSAGES.users_v2_tenant_username_key);
    if (row?.email_taken) throw new Conflict(UNIQUE_MESSAGES.users_v2_tenant_email_key);
  }

  /** Marks the account as touched (updated_at) when only its side tables changed. */
  async touch(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    await manager.query(`UPDATE users_v2 SET updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  /**
   * Moves the accounts to `to` where they are still in one of `from` (a compare-and-set: an account changed
   * concurrently is left alone and missing from the answer). Deleting also sets deleted_at, which frees
   * the username and email. Returns each changed account's previous status.
   */
  async setStatus(
    manager: EntityManager,
    tenantId: string,
    ids: string[],
    from: readonly UserStatus[],
    to: UserStatus,
    reason: string | null,
  ): Promise<Map<string, UserStatus>> {
    const rows = await updateReturning<{ id: string; previous: UserStatus }>(
      manager,
      `UPDATE users_v2 u SET status = $4, status_reason = $5, updated_at = now(),
              deleted_at = CASE WHEN $4 = 'deleted' THEN now() ELSE u.deleted_at END
         FROM (SELECT id, status FROM users_v2
                WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND status = ANY($3::text[]) AND deleted_at IS NULL
                FOR UPDATE) previous
        WHERE u.tenant_id = $1 AND u.id = previous.id
        RETURNING u.id, previous.status AS previous`,
      [tenantId, ids, from, to, reason],
    );
    return new Map(rows.map((r) => [r.id, r.previous]));
  }

  async insertPassword(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    hash: string,
    mustChange: boolean,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO user_passwords_v2 (user_id, tenant_id, password_hash, must_change) VALUES ($1, $2, $3, $4)`,
      [userId, tenantId, hash, mustChange],
    );
  }

  /** Which of these users have a password. */
  async withPassword(tenantId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.dataSource.query<{ user_id: string }[]>(
      `SELECT user_id FROM user_passwords_v2 WHERE tenant_id = $1 AND user_id = ANY($2::uuid[])`,
      [tenantId, userIds],
    );
    return new Set(rows.map((r) => r.user_id));
  }

  /** The next sign-in must change the password; false when the account has no password at all. */
  async requirePasswordChange(manager: EntityManager, tenantId: string, userId: string): Promise<boolean> {
    const rows = await updateReturning<{ user_id: string }>(
      manager,
      `UPDATE user_passwords_v2 SET must_change = true WHERE tenant_id = $1 AND user_id = $2 RETURNING user_id`,
      [tenantId, userId],
    );
    return rows.length === 1;
  }

  /**
   * The account a sign-in names, its password, and — when `reserveAttempt` gives the lockout threshold and
   * the account has a password — one login attempt taken for it (see reserveLoginAttempt): one round trip.
   * `reserved` is false when the account is locked (or its attempts are all in flight).
   */
  async findForLogin(
    tenantId: string,
    login: string,
    reserveAttempt?: number,
  ): Promise<(LoginCandidate & { reserved: boolean }) | undefined> {
    const rows = await this.dataSource.query<
      (Record<string, unknown> & {
        pw_hash: string | null;
        pw_changed_at: Date | null;
        pw_must_change: boolean | null;
        reserved: boolean;
      })[]
    >(
      prepared(`WITH found AS (
         SELECT ${this.userColumns}, p.password_hash AS pw_hash, p.changed_at AS pw_changed_at,
                p.must_change AS pw_must_change
           FROM users_v2 u LEFT JOIN user_passwords_v2 p ON p.tenant_id = u.tenant_id AND p.user_id = u.id
          WHERE u.tenant_id = $1 AND u.deleted_at IS NULL
            AND ${login.includes('@') ? 'lower(u.email) = lower($2)' : 'lower(u.username) = lower($2)'}
       ), reserved AS (
         ${takeAttempt(`(SELECT id FROM found WHERE pw_hash IS NOT NULL AND $3::bigint IS NOT NULL)`)}
       )
       SELECT found.*, EXISTS (SELECT 1 FROM reserved) AS reserved FROM found`),
      [tenantId, login, reserveAttempt ?? null],
    );
    if (!rows[0]) return undefined;
    const { pw_hash, pw_changed_at, pw_must_change, reserved, ...columns } = rows[0];
    return {
      user: this.repo().create(columns as Partial<User>),
      password: pw_hash ? { hash: pw_hash, changedAt: pw_changed_at!, mustChange: pw_must_change === true } : null,
      reserved,
    };
  }

  /**
   * Takes one login attempt for the account before its password is checked, atomically: under any
   * number of parallel requests, at most `maxAttempts` failures in a row are ever evaluated. Returns
   * false when the account is locked (or its attempts are all in flight).
   */
  async reserveLoginAttempt(tenantId: string, userId: string, maxAttempts: number): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(this.dataSource.manager, takeAttempt('$2'), [
      tenantId,
      userId,
      maxAttempts,
    ]);
    return rows.length === 1;
  }

  /**
   * Gives back an attempt taken by reserveLoginAttempt whose password was right but which does not end
   * in a login yet (an MFA step follows, which takes its own attempt): a right password is no failure.
   */
  async releaseLoginAttempt(tenantId: string, userId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE users_v2 SET failed_login_attempts = greatest(failed_login_attempts - 1, 0)
        WHERE tenant_id = $1 AND id = $2 AND locked_until IS NULL`,
      [tenantId, userId],
    );
  }

  /** After a wrong password: locks the account when this failure was the last one allowed. */
  async recordLoginFailure(
    tenantId: string,
    userId: string,
    maxAttempts: number,
    lockoutMinutes: number,
  ): Promise<{ lockedNow: boolean }> {
    const rows = await updateReturning<{ locked: boolean }>(
      this.dataSource.manager,
      `UPDATE users_v2 SET locked_until = now() + make_interval(mins => $4)
        WHERE tenant_id = $1 AND id = $2 AND failed_login_attempts >= $3::bigint AND locked_until IS NULL
        RETURNING true AS locked`,
      [tenantId, userId, maxAttempts, lockoutMinutes],
    );
    return { lockedNow: rows.length === 1 };
  }

  /**
   * A proven owner starts with a clean slate of failed logins: the right password (a login, a re-authentication)
   * or control of the mailbox (a password reset) ends the run of failures and any lock.
   */
  async clearLockout(
    tenantId: string,
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `UPDATE users_v2 SET failed_login_attempts = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2`,
      [tenantId, userId],
    );
  }

  /** A sign-in succeeded: the run of failures ends and the last login is recorded (a statement to join). */
  loginSuccess(tenantId: string, userId: string, ip: string | undefined): Statement {
    return {
      sql: prepared(`UPDATE users_v2 SET failed_login_attempts = 0, locked_until = NULL, last_login_at = now(), last_login_ip = $3
             WHERE tenant_id = $1 AND id = $2`),
      params: [tenantId, userId, ip ?? null],
    };
  }
}
