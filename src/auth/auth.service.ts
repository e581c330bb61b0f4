import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService, type CapturedEntry } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { PasswordHasher } from '../common/crypto/password-hasher';
import { NotAuthenticated } from '../common/errors/domain-errors';
import { FieldCipher } from '../common/crypto/field-cipher';
import { failedForItsRows } from '../database/sql';
import { WriteBatcher } from '../database/write-batcher';
import { AppConfig } from '../config/app-config';
import type { MfaRequiredDto } from '../mfa/dto/mfa-login.dto';
import { MfaLoginService } from '../mfa/mfa-login.service';
import type { LiveSession } from '../sessions/session-liveness';
import { SessionsService, hashToken, newRefreshToken, refreshTokenFamily } from '../sessions/sessions.service';
import { SessionsRepository } from '../sessions/sessions.repository';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import { TenantResolver } from '../tenants/tenant-resolver';
import type { User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { LoginDto, LoginResponseDto, TokenPairDto } from './dto/login.dto';
import { PasswordService } from './passwords/password.service';
import { SessionIssuer } from './session-issuer';
import { TokenService } from './token.service';

const INVALID_CREDENTIALS = 'Invalid username or password';
const INVALID_REFRESH = 'Invalid or expired refresh token';
const SESSION_ENDED = 'The session has ended; sign in again';
/** Refresh-token families whose session is remembered (about 150 bytes each). */
const REFRESH_FAMILIES_KEPT = 100_000;

interface PendingRotation {
  rotation: Parameters<SessionsRepository['rotations']>[0][number];
  entry: CapturedEntry;
}

@Injectable()
export class AuthService {
  private readonly refreshFamilies = new Map<string, string>();
  /** Refreshes are the hot write: under load, those in flight together share one statement and commit. */
  private readonly rotations = new WriteBatcher<PendingRotation, boolean>((batch) => this.writeRotations(batch), {
    maxInFlight: 2,
    maxBatch: 100,
    retryEach: failedForItsRows,
  });

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
    private readonly passwords: PasswordService,
    private readonly cipher: FieldCipher,
    private readonly config: AppConfig,
    private readonly mfaLogin: MfaLoginService,
    private readonly issuer: SessionIssuer,
  ) {}

  /**
   * Unknown user, wrong password and locked account all answer the same 401 after one bcrypt comparison,
   * so neither the body, the status nor the timing tells them apart.
   */
  async login(dto: LoginDto): Promise<LoginResponseDto | MfaRequiredDto> {
    const tenantId = this.context.tenantId;
    const tenant = await this.tenants.resolve(tenantId);
    const { password: policy } = await this.policies.policyFor(tenantId);
    const maxAttempts = policy.maxFailedAttempts;
    // The account, its password and, for an active tenant, the attempt this login takes: one round trip.
    const candidate = await this.users.findForLogin(
      tenantId,
      dto.username.trim(),
      tenant?.status === 'active' ? maxAttempts : undefined,
    );

    if (!candidate?.password || tenant?.status !== 'active') {
      await this.hasher.verifyAgainstNothing(dto.password);
      await this.audit.record({
        tenantId,
        action: 'auth.login.failure',
        actorId: null,
        targetId: candidate?.user.id ?? null,
        success: false,
        metadata: {
          reason: !candidate ? 'unknown_user' : !candidate.password ? 'no_password' : 'tenant_suspended',
        },
      });
      throw new NotAuthenticated(INVALID_CREDENTIALS);
    }
    const { user, password } = candidate;
    if (!candidate.reserved) {
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
    if (!(await this.hasher.verify(dto.password, password.hash))) {
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
      // The right password ends the run of failures, or a pending account would lock itself for good.
      await this.users.clearLockout(tenantId, user.id);
      await this.audit.record({
        tenantId,
        action: 'auth.login.failure',
        actorId: null,
        targetId: user.id,
        success: false,
        metadata: { reason: `status_${user.status}` },
      });
      throw new NotAuthenticated(
        user.status === 'pending'
          ? 'The account is not active yet: verify your email first'
          : 'The account is not active',
      );
    }
    // The second step: MFA challenge, trusted device, risk checks, or the session right away.
    return this.mfaLogin.afterPassword(user, dto.deviceToken, password);
  }

  /**
   * Completes a sign-in that needs no second factor of its own (an accepted invitation): the session,
   * with the restrictions the policy implies, and the tokens.
   */
  completeLogin(user: User): Promise<LoginResponseDto> {
    return this.issuer.issue(user, {});
  }

  /**
   * Rotates a refresh token. Exactly one of any number of concurrent refreshes with the same token rotates
   * it (a single conditional UPDATE). Presenting a spent token — of any generation, recognised by the
   * family secret every token of the session carries — is theft and revokes the whole session, except
   * within REFRESH_REUSE_GRACE_SECONDS of the rotation, when the immediately previous token gets the very
   * pair its rotation issued (a client's retry): never a second, different pair.
   */
  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const family = refreshTokenFamily(refreshToken);
    const grace = this.config.refreshReuseGraceSeconds;
    if (!family) throw new NotAuthenticated(INVALID_REFRESH);
    const familyHash = hashToken(family);
    const presented = hashToken(refreshToken);

    // The usual case, in one statement: the family's session is known here and alive, and the token is its
    // current one. Anything else (a spent token, a lost race, an ended session) takes the full path below.
    const knownSessionId = this.refreshFamilies.get(familyHash);
    if (knownSessionId) {
      const live = await this.sessions.check(knownSessionId);
      const pair = live && (await this.rotate(live, family, presented));
      if (pair) return pair;
    }

    let found = await this.sessionsRepo.findByRefreshFamily(familyHash, grace);
    if (!found) throw new NotAuthenticated(INVALID_REFRESH);
    this.rememberFamily(familyHash, found.session.id);

    if (found.session.refreshTokenHash === presented) {
      const live = await this.sessions.check(found.session.id);
      if (!live) throw new NotAuthenticated(SESSION_ENDED);
      const pair = await this.rotate(live, family, presented);
      if (pair) return pair;
      // A concurrent refresh with the same token won: this token is now the previous one.
      found = await this.sessionsRepo.findByRefreshFamily(familyHash, grace);
      if (!found) throw new NotAuthenticated(INVALID_REFRESH);
    }

    const { session, withinGrace } = found;
    if (session.previousRefreshTokenHash === presented && withinGrace && session.lastIssuedPairEnc) {
      if (!(await this.sessions.check(session.id))) throw new NotAuthenticated(SESSION_ENDED);
      await this.audit.record({
        tenantId: session.tenantId,
        action: 'auth.token.refresh_retried',
        actorId: session.userId,
        targetId: session.userId,
        metadata: { sessionId: session.id },
      });
      return JSON.parse(this.cipher.decrypt(session.lastIssuedPairEnc)) as TokenPairDto;
    }

    await this.dataSource.transaction(async (manager) => {
      await this.sessions.revoke({ tenantId: session.tenantId, sessionId: session.id }, 'refresh_token_reuse', manager);
      await this.audit.record(
        {
          tenantId: session.tenantId,
          action: 'auth.token.reuse_detected',
          actorId: null,
          targetId: session.userId,
          success: false,
          metadata: { sessionId: session.id },
        },
        manager,
      );
    });
    throw new NotAuthenticated(INVALID_REFRESH);
  }

  /**
   * Spends the presented token of a live session for a new pair, and audits it in the same statement.
   * Undefined when the token is not the session's current one (any more).
   */
  private async rotate(live: LiveSession, family: string, presented: string): Promise<TokenPairDto | undefined> {
    const refreshToken = newRefreshToken(family);
    const access = await this.tokens.signAccess({
      userId: live.userId,
      tenantId: live.tenantId,
      userType: live.userType,
      sessionId: live.sessionId,
      sessionExpiresAt: new Date(live.expiresAt),
      restriction: live.restriction,
    });
    const pair: TokenPairDto = {
      accessToken: access.token,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      sessionId: live.sessionId,
    };
    const stored = this.config.refreshReuseGraceSeconds > 0 ? this.cipher.encrypt(JSON.stringify(pair)) : null;
    const rotated = await this.rotations.submit({
      rotation: {
        sessionId: live.sessionId,
        oldHash: presented,
        newHash: hashToken(refreshToken),
        issuedPairEnc: stored,
      },
      entry: this.audit.capture({
        tenantId: live.tenantId,
        action: 'auth.token.refreshed',
        actorId: live.userId,
        targetId: live.userId,
        metadata: { sessionId: live.sessionId },
      }),
    });
    return rotated ? pair : undefined;
  }

  /** Rotations that arrive together, written and audited by one statement; whether each took place. */
  private async writeRotations(batch: PendingRotation[]): Promise<boolean[]> {
    const rows = await this.audit.recordEachWithChange(
      this.sessionsRepo.rotations(batch.map((r) => r.rotation)),
      batch.map((r) => r.entry),
    );
    const done = new Set(rows.map((row) => row.i));
    return batch.map((_, i) => done.has(i + 1));
  }

  /** Which session a refresh-token family belongs to never changes: remembered to skip a lookup. */
  private rememberFamily(familyHash: string, sessionId: string): void {
    if (this.refreshFamilies.size >= REFRESH_FAMILIES_KEPT) this.refreshFamilies.clear();
    this.refreshFamilies.set(familyHash, sessionId);
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
