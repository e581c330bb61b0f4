import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { DomainError } from '../../common/errors/domain-errors';
import { UsersRepository } from '../../users/users.repository';
import { PasswordService } from './password.service';

/**
 * How a route answers a refused re-authentication. The status is public API and differs by route: 400 where
 * the password is one wrong field of the request (password change), 403 where it guards the action (MFA
 * changes, erasure). Never 401: the caller is authenticated, and a 401 would make clients drop the session.
 */
export interface ReauthenticationRefusal {
  status: 400 | 403;
  /** What each refused attempt is audited as; each route has its own action in the trail. */
  auditAction: string;
}

export type ReauthenticationFailure = 'wrong_password' | 'locked';

/** A wrong password, or an account locked by too many; the status is the route's (ReauthenticationRefusal). */
export class ReauthenticationRefused extends DomainError {
  constructor(
    readonly status: 400 | 403,
    readonly reason: ReauthenticationFailure,
  ) {
    super(
      reason === 'locked'
        ? 'Too many wrong passwords: the account is locked for now; try again later'
        : 'The password is not correct',
    );
  }
}

/**
 * The signed-in user confirms their current password before a sensitive change (password change, MFA
 * changes, self-erasure). Each attempt counts like a login, so a stolen session cannot be used to guess the
 * password: it is reserved before the comparison (parallel guesses cannot exceed the lockout), a wrong
 * password is recorded and audited and may lock the account (the login is then refused too), and the right
 * one ends the run of failures, as a successful login does.
 */
@Injectable()
export class ReauthenticationService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
  ) {}

  async confirm(
    user: { tenantId: string; userId: string; password: string },
    refusal: ReauthenticationRefusal,
  ): Promise<void> {
    const { tenantId, userId } = user;
    const policy = await this.passwords.policyFor(tenantId);
    if (!(await this.users.reserveLoginAttempt(tenantId, userId, policy.maxFailedAttempts))) {
      await this.recordRefusal(tenantId, userId, refusal, 'locked');
      throw new ReauthenticationRefused(refusal.status, 'locked');
    }
    // An account without a password compares against a dummy hash and fails like a wrong password.
    if (await this.passwords.verifyCurrent(tenantId, userId, user.password)) {
      await this.users.clearLockout(tenantId, userId);
      return;
    }
    const { lockedNow } = await this.users.recordLoginFailure(
      tenantId,
      userId,
      policy.maxFailedAttempts,
      policy.lockoutDurationMinutes,
    );
    await this.recordRefusal(tenantId, userId, refusal, 'wrong_password');
    if (lockedNow) {
      await this.audit.record({
        tenantId,
        action: 'auth.lockout',
        targetId: userId,
        metadata: { attempts: policy.maxFailedAttempts, minutes: policy.lockoutDurationMinutes },
      });
    }
    throw new ReauthenticationRefused(refusal.status, 'wrong_password');
  }

  private recordRefusal(
    tenantId: string,
    userId: string,
    refusal: ReauthenticationRefusal,
    reason: ReauthenticationFailure,
  ): Promise<void> {
    return this.audit.record({
      tenantId,
      action: refusal.auditAction,
      targetId: userId,
      success: false,
      metadata: { reason },
    });
  }
}
