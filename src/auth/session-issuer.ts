import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RequestContext, type SessionRestriction } from '../common/context/request-context';
import { ConsentService } from '../gdpr/consent.service';
import { GeoIpService } from '../risk/geoip.service';
import type { GeoLocation } from '../sessions/entities/session.entity';
import { SessionsService } from '../sessions/sessions.service';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import type { User } from '../users/entities/user.entity';
import { toUserDto } from '../users/users.mapper';
import { type PasswordState, UsersRepository } from '../users/users.repository';
import type { LoginResponseDto } from './dto/login.dto';
import { PasswordService } from './passwords/password.service';
import { TokenService } from './token.service';

export interface IssueSessionOptions {
  /** Where the client is, when the caller already looked it up; otherwise it is looked up here. */
  location?: GeoLocation | null;
  /** The user's current password, when the caller already read it (the password sign-in). */
  password?: PasswordState;
  /** The session only reaches some routes until the user acts (overdue MFA enrolment, expired password). */
  restriction?: SessionRestriction | null;
  /** MFA is required for this user and not set up yet. */
  mfaSetupRequired?: boolean;
  /** How the second factor was satisfied, for the audit trail (absent: password only). */
  secondFactor?: string;
}

/**
 * The last step of every successful sign-in (password only, MFA challenge, trusted device): opens the
 * session, records the login, and signs the tokens.
 */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly policies: TenantPolicyService,
    private readonly passwords: PasswordService,
    private readonly geo: GeoIpService,
    private readonly consents: ConsentService,
  ) {}

  async issue(user: User, o: IssueSessionOptions): Promise<LoginResponseDto> {
    const policy = await this.policies.policyFor(user.tenantId);
    const { sessionTimeoutMinutes } = policy;
    // An expired (or administratively flagged) password still signs in, but the session only reaches
    // /auth/password/change until it is changed; that comes before any MFA enrolment restriction.
    const passwordExpired = o.password
      ? this.passwords.mustChangeNow(o.password, policy.password)
      : await this.passwords.mustChange(user.tenantId, user.id, policy.password);
    const restriction = passwordExpired ? 'password_change' : (o.restriction ?? null);
    const location = o.location !== undefined ? o.location : await this.geo.lookup(this.context.ip);
    // The tenant raised its terms or privacy version above what the user accepted: the client asks again.
    const consentRequired = await this.consents.consentRequired(user.tenantId, user.id);
    const { session, refreshToken, insert } = this.sessions.newSession({
      tenantId: user.tenantId,
      userId: user.id,
      ip: this.context.ip,
      userAgent: this.context.userAgent,
      location,
      restriction,
    });
    // The session, the user's login record and the audit entry: one statement, so they commit together.
    await this.audit.recordWithChange(
      insert,
      {
        tenantId: user.tenantId,
        action: 'auth.login.success',
        actorId: user.id,
        targetId: user.id,
        metadata: {
          sessionId: session.id,
          ...(o.secondFactor ? { secondFactor: o.secondFactor } : {}),
          ...(restriction ? { restriction } : {}),
        },
      },
      { alongside: [this.users.loginSuccess(user.tenantId, user.id, this.context.ip)] },
    );
    // Committed: the session's requests are answered from the liveness cache from now on.
    this.sessions.remember(session, user.userType, sessionTimeoutMinutes);
    const access = await this.tokens.signAccess({
      userId: user.id,
      tenantId: user.tenantId,
      userType: user.userType,
      sessionId: session.id,
      sessionExpiresAt: session.expiresAt,
      restriction,
    });
    return {
      accessToken: access.token,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      sessionId: session.id,
      user: toUserDto({ ...user, lastLoginAt: session.createdAt }),
      ...(passwordExpired ? { passwordExpired: true } : {}),
      ...(o.mfaSetupRequired ? { mfaSetupRequired: true } : {}),
      ...(consentRequired ? { consentRequired: true } : {}),
    };
  }
}
