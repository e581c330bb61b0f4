import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { updateReturning } from '../database/sql';
import { User } from './entities/user.entity';

export interface LoginCandidate {
  user: User;
  passwordHash: string | null;
  passwordChangedAt: Date | null;
}

/** Every query on users; each takes the tenant, so none can reach across a tenant boundary. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(User);
  }

  findById(tenantId: string, id: string, manager?: EntityManager): Promise<User | null> {
    return this.repo(manager).findOneBy({ tenantId, id, deletedAt: IsNull() });
  }

  /** The account a login names, by username or email (case-insensitive), with its password hash. */
  async findForLogin(tenantId: string, login: string): Promise<LoginCandidate | undefined> {
    const user = await this.repo()
      .createQueryBuilder('u')
      .where('u.tenant_id = :tenantId AND u.deleted_at IS NULL', { tenantId })
      .andWhere(login.includes('@') ? 'lower(u.email) = lower(:login)' : 'lower(u.username) = lower(:login)', {
        login,
      })
      .getOne();
    if (!user) return undefined;
    const [pw] = await this.dataSource.query<{ password_hash: string; changed_at: Date }[]>(
      `SELECT password_hash, changed_at FROM user_passwords_v2 WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, user.id],
    );
    return { user, passwordHash: pw?.password_hash ?? null, passwordChangedAt: pw?.changed_at ?? null };
  }

  /**
   * Takes one login attempt for the account before its password is checked, atomically: under any
   * number of parallel requests, at most `maxAttempts` failures in a row are ever evaluated. Returns
   * false when the account is locked (or its attempts are all in flight).
   */
  async reserveLoginAttempt(tenantId: string, userId: string, maxAttempts: number): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      this.dataSource.manager,
      `UPDATE users_v2 SET
          failed_login_attempts = CASE WHEN locked_until <= now() THEN 1 ELSE failed_login_attempts + 1 END,
          locked_until = CASE WHEN locked_until <= now() THEN NULL ELSE locked_until END
        WHERE tenant_id = $1 AND id = $2
          AND (locked_until <= now() OR (locked_until IS NULL AND failed_login_attempts < $3))
        RETURNING id`,
      [tenantId, userId, maxAttempts],
    );
    return rows.length === 1;
  }

  /**
   * Gives back an attempt taken by reserveLoginAttempt whose password was right but which does not end
   * in a login yet (an MFA step follows, or a password re-confirmation): a right password is no failure.
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
        WHERE tenant_id = $1 AND id = $2 AND failed_login_attempts >= $3 AND locked_until IS NULL
        RETURNING true AS locked`,
      [tenantId, userId, maxAttempts, lockoutMinutes],
    );
    return { lockedNow: rows.length === 1 };
  }

  async recordLoginSuccess(manager: EntityManager, tenantId: string, userId: string, ip: string | undefined): Promise<void> {
    await manager.query(
      `UPDATE users_v2 SET failed_login_attempts = 0, locked_until = NULL, last_login_at = now(), last_login_ip = $3
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, userId, ip ?? null],
    );
  }
}
