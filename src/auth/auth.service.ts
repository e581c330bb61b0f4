import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { PasswordHasher } from '../common/crypto/password-hasher';
import { NotAuthenticated } from '../common/errors/domain-errors';
import type { MfaRequiredDto } from '../mfa/dto/mfa-login.dto';
import { MfaLoginService } from '../mfa/mfa-login.service';
import { SessionsService, hashToken, newRefreshToken } from '../sessions/sessions.service';
import { SessionsRepository } from '../sessions/sessions.repository';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import { TenantResolver } from '../tenants/tenant-resolver';
import { UsersRepository } from '../users/users.repository';
import type { LoginDto, LoginResponseDto, TokenPairDto } from './dto/login.dto';
import { TokenService } from './token.service';

const INVALID_CREDENTIALS = 'Invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly sessionsRepo: SessionsRepository,
    private readonly tokens: TokenService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly tenants: TenantResolver,
    private readonly policies: TenantPolicyService,
    private readonly mfaLogin: MfaLoginService,
  ) {}

  /**
   * Unknown user, wrong password and locked account all answer the same 401 after one bcrypt comparison,
   * so neither the body, the status nor the timing tells them apart.
   */
  async login(dto: LoginDto): Promise<LoginResponseDto | MfaRequiredDto> {
    const tenantId = this.context.tenantId;
    const tenant = await this.tenants.resolve(tenantId);
    const candidate = await this.users.findForLogin(tenantId, dto.username.trim());
    const { password: policy } = await this.policies.policyFor(tenantId);
    const maxAttempts = policy.maxFailedAttempts;

    if (!candidate || !candidate.passwordHash || tenant?.status !== 'active') {
      await this.hasher.verifyAgainstNothing(dto.password);
      await this.audit.record({
        tenantId,
        action: 'auth.login.failure',
        actorId: null,
        targetId: candidate?.user.id ?? null,
        success: false,
        metadata: { reason: !candidate ? 'unknown_user' : !candidate.passwordHash ? 'no_password' : 'tenant_suspended' },
      });
      throw new NotAuthenticated(INVALID_CREDENTIALS);
    }
    const { user } = candidate;
    if (!(await this.users.reserveLoginAttempt(tenantId, user.id, maxAttempts))) {
      await this.hasher.verifyAgainstNothing(dto.password);
      await this.audit.record({
        tenantId,
        action: 'auth.login.failure',
        actorId: null,
        targetId: user.id,
        success: false,
        metadata: { reason: 'locked' },
      });
      throw new NotAuthenticated(INVALID_CREDENTIALS);
    }
    if (!(await this.hasher.verify(dto.password, candidate.passwordHash))) {
      const { lockedNow } = await this.users.recordLoginFailure(
        tenantId,
        user.id,
        maxAttempts,
        policy.lockoutDurationMinutes,
      );
      await this.audit.record({
        tenantId,
        action: 'auth.login.failure',
        actorId: null,
        targetId: user.id,
        success: false,
        metadata: { reason: 'wrong_password' },
      });
      if (lockedNow) {
        await this.audit.record({
          tenantId,
          action: 'auth.lockout',
          actorId: null,
          targetId: user.id,
          metadata: { attempts: maxAttempts, minutes: policy.lockoutDurationMinutes },
        });
      }
      throw new NotAuthenticated(INVALID_CREDENTIALS);
    }
    if (user.status !== 'active') {
      await this.users.recordLoginFailure(tenantId, user.id, Number.MAX_SAFE_INTEGER, 0);
      await this.audit.record({
        tenantId,
        action: 'auth.login.failure',
        actorId: null,
        targetId: user.id,
        success: false,
        metadata: { reason: `status_${user.status}` },
      });
      throw new NotAuthenticated(
        user.status === 'pending' ? 'The account is not active yet: verify your email first' : 'The account is not active',
      );
    }
    // The second step: MFA challenge, trusted device, risk checks, or the session right away.
    return this.mfaLogin.afterPassword(user, dto.deviceToken);
  }

  /**
   * Rotates a refresh token. Exactly one of any number of concurrent refreshes with the same token wins
   * (a single conditional UPDATE); a spent token presented again is treated as theft and revokes the
   * whole session.
   */
  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const oldHash = hashToken(refreshToken);
    const newToken = newRefreshToken();
    const session = await this.sessionsRepo.rotate(oldHash, hashToken(newToken));
    if (!session) {
      const spent = await this.sessionsRepo.findByPreviousRefreshHash(oldHash);
      if (spent && !spent.revokedAt) {
        await this.dataSource.transaction(async (manager) => {
          await this.sessions.revoke({ tenantId: spent.tenantId, sessionId: spent.id }, 'refresh_token_reuse', manager);
          await this.audit.record(
            {
              tenantId: spent.tenantId,
              action: 'auth.token.reuse_detected',
              actorId: null,
              targetId: spent.userId,
              success: false,
              metadata: { sessionId: spent.id },
            },
            manager,
          );
        });
      }
      throw new NotAuthenticated('Invalid or expired refresh token');
    }
    const live = await this.sessions.check(session.id);
    if (!live) throw new NotAuthenticated('The session has ended; sign in again');
    await this.audit.record({
      tenantId: session.tenantId,
      action: 'auth.token.refreshed',
      actorId: session.userId,
      targetId: session.userId,
      metadata: { sessionId: session.id },
    });
    const access = this.tokens.signAccess({
      userId: session.userId,
      tenantId: session.tenantId,
      sessionId: session.id,
      sessionExpiresAt: session.expiresAt,
    });
    return {
      accessToken: access.token,
      refreshToken: newToken,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      sessionId: session.id,
    };
  }

  async logout(): Promise<void> {
    const principal = this.context.requirePrincipal();
    if (!principal.sessionId) return;
    await this.dataSource.transaction(async (manager) => {
      await this.sessions.revoke(
        { tenantId: principal.homeTenantId, sessionId: principal.sessionId },
        'logout',
        manager,
      );
      await this.audit.record(
        {
          tenantId: principal.homeTenantId,
          action: 'auth.logout',
          targetId: principal.userId,
          metadata: { sessionId: principal.sessionId },
        },
        manager,
      );
    });
  }
}
