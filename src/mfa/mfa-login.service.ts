import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { LoginResponseDto } from '../auth/dto/login.dto';
import { SessionIssuer } from '../auth/session-issuer';
import { RequestContext } from '../common/context/request-context';
import { FieldCipher } from '../common/crypto/field-cipher';
import { BadInput, NotAuthenticated, TooManyRequests } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { TrustedDevicesService } from '../devices/trusted-devices.service';
import { GeoIpService } from '../risk/geoip.service';
import { LoginRiskService } from '../risk/login-risk.service';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import { TenantResolver } from '../tenants/tenant-resolver';
import type { User } from '../users/entities/user.entity';
import { type PasswordState, UsersRepository } from '../users/users.repository';
import { hashBackupCode, looksLikeBackupCode } from './backup-codes';
import type { MfaChallengeDto, MfaChallengeResponseDto, MfaRequiredDto, MfaSendDto } from './dto/mfa-login.dto';
import type { CodeSentDto } from './dto/mfa-setup.dto';
import { MfaCodesService } from './mfa-codes.service';
import {
  type ChallengeMethod,
  type CodeMethod,
  type MfaMethod,
  enrolmentDeadline,
  isCodeMethod,
  mfaRequiredFor,
} from './mfa-methods';
import { MfaTokenService } from './mfa-token.service';
import { MfaRepository } from './mfa.repository';
import { matchTotp } from './totp';

const INVALID_CODE = 'Invalid or expired code';

/**
 * The second step of a sign-in: after the password, risk checks and either the session at once, or an
 * MFA challenge (skipped on a trusted device unless the login looks suspicious and the tenant asks for
 * step-up); the challenge itself; and (re)sending SMS/email codes.
 */
@Injectable()
export class MfaLoginService {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly codes: MfaCodesService,
    private readonly mfaTokens: MfaTokenService,
    private readonly issuer: SessionIssuer,
    private readonly devices: TrustedDevicesService,
    private readonly geo: GeoIpService,
    private readonly risk: LoginRiskService,
    private readonly users: UsersRepository,
    private readonly tenants: TenantResolver,
    private readonly policies: TenantPolicyService,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  /** Called by the login once the password is verified and the account is active. */
  async afterPassword(
    user: User,
    deviceToken: string | undefined,
    password: PasswordState,
  ): Promise<LoginResponseDto | MfaRequiredDto> {
    const policy = await this.policies.policyFor(user.tenantId);
    const location = await this.geo.lookup(this.context.ip);
    const risk = await this.risk.assess(user, location);
    const methods = await this.mfa.enabledMethods(user.tenantId, user.id);

    if (methods.length === 0) {
      const required = mfaRequiredFor(user.userType, policy);
      const overdue =
        required && Date.now() > enrolmentDeadline(user.createdAt, this.config.mfaEnrollmentGraceHours).getTime();
      return this.issuer.issue(user, {
        location,
        password,
        mfaSetupRequired: required,
        restriction: overdue ? 'mfa_setup' : null,
      });
    }
    const stepUp = risk.suspicious && policy.stepUpOnSuspiciousLogin;
    if (!stepUp && (await this.devices.isTrusted(user, deviceToken))) {
      return this.issuer.issue(user, { location, password, secondFactor: 'trusted_device' });
    }

    // The password was right: that attempt is no failure. The challenge takes its own attempt.
    await this.users.releaseLoginAttempt(user.tenantId, user.id);
    const { token, expiresIn } = await this.mfaTokens.sign({ userId: user.id, tenantId: user.tenantId });
    const answer: MfaRequiredDto = {
      mfaRequired: true,
      mfaToken: token,
      expiresIn,
      mfaMethods: await this.challengeMethods(user, methods),
    };
    if (!methods.includes('totp')) {
      const method: CodeMethod = methods.includes('sms') ? 'sms' : 'email';
      if (await this.sendLoginCode(user, method, true)) answer.codeSentBy = method;
    }
    return answer;
  }

  /** The challenge: a TOTP code, an SMS/email code or a backup code, against the account lockout. */
  async challenge(dto: MfaChallengeDto): Promise<MfaChallengeResponseDto> {
    const user = await this.userOf(dto.mfaToken);
    const { password: policy } = await this.policies.policyFor(user.tenantId);
    if (!(await this.users.reserveLoginAttempt(user.tenantId, user.id, policy.maxFailedAttempts))) {
      await this.recordFailure(user, dto.method, 'locked');
      throw new NotAuthenticated(INVALID_CODE);
    }
    const method = await this.verifySecondFactor(user, dto.code.trim(), dto.method);
    if (!method) {
      const { lockedNow } = await this.users.recordLoginFailure(
        user.tenantId,
        user.id,
        policy.maxFailedAttempts,
        policy.lockoutDurationMinutes,
      );
      await this.recordFailure(user, dto.method, 'wrong_code');
      if (lockedNow) {
        await this.audit.record({
          tenantId: user.tenantId,
          action: 'auth.lockout',
          actorId: null,
          targetId: user.id,
          metadata: { attempts: policy.maxFailedAttempts, minutes: policy.lockoutDurationMinutes },
        });
      }
      throw new NotAuthenticated(INVALID_CODE);
    }
    await this.audit.record({
      tenantId: user.tenantId,
      action: 'auth.mfa.success',
      actorId: user.id,
      targetId: user.id,
      metadata: { method },
    });
    const location = await this.geo.lookup(this.context.ip);
    const answer: MfaChallengeResponseDto = await this.issuer.issue(user, { location, secondFactor: method });
    if (dto.trustDevice && this.devices.enabled) {
      const trusted = await this.devices.trust(user);
      answer.deviceToken = trusted.deviceToken;
      answer.deviceTrustedUntil = trusted.expiresAt.toISOString();
    }
    return answer;
  }

  /** Sends (or resends) a login code by SMS or email. */
  async send(dto: MfaSendDto): Promise<CodeSentDto> {
    const user = await this.userOf(dto.mfaToken);
    const methods = await this.mfa.enabledMethods(user.tenantId, user.id);
    if (!methods.includes(dto.method)) throw new BadInput(`${dto.method} is not one of your MFA methods`);
    const sent = await this.sendLoginCode(user, dto.method, false);
    if (!sent) throw new BadInput(`No ${dto.method} destination is set up; set the method up again`);
    return sent;
  }

  /** The user an mfaToken was issued to, still active in an active tenant. */
  private async userOf(mfaToken: string): Promise<User> {
    const claims = await this.mfaTokens.verify(mfaToken);
    const [tenant, user] = await Promise.all([
      this.tenants.resolve(claims.tenantId),
      this.users.findById(claims.tenantId, claims.userId),
    ]);
    if (!user || user.status !== 'active' || tenant?.status !== 'active') {
      throw new NotAuthenticated('Invalid or expired MFA token; sign in again');
    }
    return user;
  }

  private async challengeMethods(user: User, methods: MfaMethod[]): Promise<ChallengeMethod[]> {
    const backup = await this.mfa.countUnusedBackupCodes(user.tenantId, user.id);
    return backup > 0 ? [...methods, 'backup_code'] : [...methods];
  }

  /**
   * Sends a login code; at the password step a throttled resend is no error (the code sent moments ago
   * is still good). Returns undefined when the method has nowhere to send to.
   */
  private async sendLoginCode(
    user: User,
    method: CodeMethod,
    quietWhenThrottled: boolean,
  ): Promise<CodeSentDto | undefined> {
    const to = await this.destination(user, method);
    if (!to) return undefined;
    try {
      return await this.codes.issue({ tenantId: user.tenantId, userId: user.id, method, stage: 'login', to });
    } catch (err) {
      if (quietWhenThrottled && err instanceof TooManyRequests) return undefined;
      throw err;
    }
  }

  private async destination(user: User, method: CodeMethod): Promise<string | null> {
    if (method === 'email') return user.email;
    const row = await this.mfa.findMethod(user.tenantId, user.id, 'sms');
    return this.cipher.decrypt(row?.destinationEnc);
  }

  /** Which factor the code satisfied, or undefined. Without a method, the code's shape tells. */
  private async verifySecondFactor(
    user: User,
    code: string,
    method?: ChallengeMethod,
  ): Promise<ChallengeMethod | undefined> {
    const enabled = await this.mfa.enabledMethods(user.tenantId, user.id);
    let candidates: ChallengeMethod[];
    if (method) candidates = method === 'backup_code' || enabled.includes(method) ? [method] : [];
    else candidates = looksLikeBackupCode(code) ? ['backup_code'] : enabled;
    for (const candidate of candidates) {
      if (await this.verifyCode(user, candidate, code)) return candidate;
    }
    return undefined;
  }

  private async verifyCode(user: User, method: ChallengeMethod, code: string): Promise<boolean> {
    if (method === 'backup_code') return this.mfa.useBackupCode(user.tenantId, user.id, hashBackupCode(code));
    if (isCodeMethod(method))
      return this.codes.verify({ tenantId: user.tenantId, userId: user.id, method, stage: 'login', code });
    const row = await this.mfa.findMethod(user.tenantId, user.id, 'totp');
    if (!row?.secretEnc) return false;
    const step = matchTotp(this.cipher.decrypt(row.secretEnc), code);
    return step !== undefined && this.mfa.useTotpStep(user.tenantId, user.id, step);
  }

  private async recordFailure(user: User, method: ChallengeMethod | undefined, reason: string): Promise<void> {
    await this.audit.record({
      tenantId: user.tenantId,
      action: 'auth.mfa.failure',
      actorId: null,
      targetId: user.id,
      success: false,
      metadata: { reason, ...(method ? { method } : {}) },
    });
  }
}
