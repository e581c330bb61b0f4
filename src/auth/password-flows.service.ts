import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { BadInput } from '../common/errors/domain-errors';
import { TrustedDevicesService } from '../devices/trusted-devices.service';
import { NotificationsService } from '../notifications/notifications.service';
import { SessionsService } from '../sessions/sessions.service';
import type { User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import { AccountsRepository } from './accounts.repository';
import { authEmails } from './auth-emails';
import { BackgroundWork } from './background-work';
import type { ChangePasswordDto, ResetPasswordDto } from './dto/password.dto';
import { OneTimeTokensRepository } from './one-time-tokens.repository';
import { PasswordService } from './passwords/password.service';
import { ReauthenticationService } from './passwords/reauthentication.service';

const RESET_TTL_MINUTES = 60;
/**
 * At most this many reset emails per account and hour, however many addresses ask: beyond it a request is
 * still answered 202 but sends nothing, so the form cannot be used to flood someone's mailbox.
 */
export const RESET_EMAILS_PER_HOUR = 3;
const INVALID_RESET = 'Invalid or expired reset token';

/** Forgotten, reset and changed passwords. */
@Injectable()
export class PasswordFlowsService {
  private readonly logger = new Logger('Passwords');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersRepository,
    private readonly tokens: OneTimeTokensRepository,
    private readonly passwords: PasswordService,
    private readonly reauthentication: ReauthenticationService,
    private readonly sessions: SessionsService,
    private readonly devices: TrustedDevicesService,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly background: BackgroundWork,
  ) {}

  /**
   * Always the same answer, given before anything is looked up: whether the address belongs to an
   * account shows neither in the response nor in its timing. The reset link goes out in the background.
   */
  forgot(email: string): void {
    const tenantId = this.context.tenantId;
    this.background.run('password reset request', () => this.sendResetLink(tenantId, email.trim()));
  }

  /**
   * Sets a new password with a reset token (single use, one hour); every session of the user ends, and no
   * device stays trusted to skip MFA.
   */
  async reset(dto: ResetPasswordDto): Promise<void> {
    const tenantId = this.context.tenantId;
    const userId = await this.tokens.peek(tenantId, 'password_reset', dto.token);
    const user = userId && (await this.users.findById(tenantId, userId));
    if (!user) throw new BadInput(INVALID_RESET);
    // Checked before the token is spent, so a refused password can be corrected with the same link.
    const policy = await this.passwords.assertAcceptable(tenantId, dto.newPassword, {
      userId: user.id,
      username: user.username,
      email: user.email,
    });
    const hash = await this.passwords.hash(dto.newPassword);
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.tokens.consume(manager, tenantId, 'password_reset', dto.token)))
        throw new BadInput(INVALID_RESET);
      await this.passwords.store(manager, tenantId, user.id, hash, policy);
      await this.users.clearLockout(tenantId, user.id, manager);
      const revoked = await this.sessions.revoke({ tenantId, userId: user.id }, 'password_reset', manager);
      const trustedDevicesRevoked = await this.devices.revokeAll(tenantId, user.id, manager);
      await this.audit.record(
        {
          tenantId,
          action: 'auth.password.reset',
          actorId: user.id,
          targetId: user.id,
          metadata: { revokedSessions: revoked.length, trustedDevicesRevoked },
        },
        manager,
      );
    });
    await this.notifyChanged(user);
  }

  /**
   * The signed-in user changes their password. A wrong current password is 400 (not 401: the caller is
   * authenticated, only the field is wrong) and counts as a failed login towards the lockout, so a stolen
   * access token cannot be used to guess it. The other sessions end and every trusted device has to pass
   * MFA again; the current session keeps going, freed of its expired-password restriction.
   */
  async change(dto: ChangePasswordDto): Promise<void> {
    const principal = this.context.requirePrincipal();
    const tenantId = principal.homeTenantId;
    const user = await this.users.findById(tenantId, principal.userId);
    if (!user) throw new BadInput('The account no longer exists');
    await this.reauthentication.confirm(
      { tenantId, userId: user.id, password: dto.currentPassword },
      { status: 400, auditAction: 'auth.password.change_failed' },
    );
    const policy = await this.passwords.assertAcceptable(tenantId, dto.newPassword, {
      userId: user.id,
      username: user.username,
      email: user.email,
    });
    const hash = await this.passwords.hash(dto.newPassword);
    await this.dataSource.transaction(async (manager) => {
      await this.passwords.store(manager, tenantId, user.id, hash, policy);
      const revoked = await this.sessions.revoke(
        { tenantId, userId: user.id, exceptSessionId: principal.sessionId },
        'password_changed',
        manager,
      );
      const trustedDevicesRevoked = await this.devices.revokeAll(tenantId, user.id, manager);
      await this.audit.record(
        {
          tenantId,
          action: 'auth.password.changed',
          actorId: user.id,
          targetId: user.id,
          metadata: { sessionId: principal.sessionId, revokedSessions: revoked.length, trustedDevicesRevoked },
        },
        manager,
      );
    });
    if (principal.sessionId)
      await this.sessions.liftRestriction({ tenantId, sessionId: principal.sessionId }, 'password_change');
    await this.notifyChanged(user);
  }

  private async sendResetLink(tenantId: string, email: string): Promise<void> {
    const account = await this.accounts.findActiveByEmail(tenantId, email);
    if (!account) return;
    const token = await this.dataSource.transaction(async (manager) => {
      const issued = await this.tokens.issueWithinLimit(
        manager,
        { tenantId, userId: account.id, purpose: 'password_reset', ttlMinutes: RESET_TTL_MINUTES },
        { count: RESET_EMAILS_PER_HOUR, windowMinutes: 60 },
      );
      await this.audit.record(
        issued
          ? { tenantId, action: 'auth.password.reset_requested', actorId: null, targetId: account.id }
          : {
              tenantId,
              action: 'auth.password.reset_throttled',
              actorId: null,
              targetId: account.id,
              success: false,
              metadata: { limitPerHour: RESET_EMAILS_PER_HOUR },
            },
        manager,
      );
      return issued;
    });
    if (!token) return;
    await this.notifications.send({
      channel: 'email',
      to: account.email,
      kind: 'password_reset',
      token,
      ...authEmails.passwordReset(token),
    });
  }

  /** Tells the owner, who may not be the one who changed it; a failed delivery is logged, not fatal. */
  private async notifyChanged(user: User): Promise<void> {
    try {
      await this.notifications.send({
        channel: 'email',
        to: user.email,
        kind: 'password_changed',
        ...authEmails.passwordChanged(),
      });
    } catch (err) {
      this.logger.error({ err, userId: user.id }, 'could not send the password-changed email');
    }
  }
}
