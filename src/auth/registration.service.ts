import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { FieldCipher } from '../common/crypto/field-cipher';
import { BadInput, Conflict, Forbidden } from '../common/errors/domain-errors';
import { NotificationsService } from '../notifications/notifications.service';
import { PermissionResolver } from '../rbac/permission-resolver';
import { RoleAssignmentService } from '../rbac/role-assignment.service';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import { TenantResolver } from '../tenants/tenant-resolver';
import type { UserDto } from '../users/dto/user.dto';
import type { User } from '../users/entities/user.entity';
import { toUserDto } from '../users/users.mapper';
import { UsersRepository } from '../users/users.repository';
import { AccountsRepository } from './accounts.repository';
import { authEmails } from './auth-emails';
import { AuthService } from './auth.service';
import type { AcceptInvitationDto, RegisterDto } from './dto/account.dto';
import type { LoginResponseDto } from './dto/login.dto';
import { OneTimeTokensRepository } from './one-time-tokens.repository';
import { PasswordService } from './passwords/password.service';

const VERIFICATION_TTL_MINUTES = 24 * 60;
const INVALID_VERIFICATION = 'Invalid or expired verification token';
const INVALID_INVITATION = 'Invalid, expired or already used invitation';

/** Accounts that people create themselves: registration with email verification, and accepted invitations. */
@Injectable()
export class RegistrationService {
  private readonly logger = new Logger('Registration');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersRepository,
    private readonly tokens: OneTimeTokensRepository,
    private readonly passwords: PasswordService,
    private readonly policies: TenantPolicyService,
    private readonly tenants: TenantResolver,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly cipher: FieldCipher,
    private readonly context: RequestContext,
    private readonly auth: AuthService,
    private readonly roleAssignment: RoleAssignmentService,
    private readonly permissions: PermissionResolver,
  ) {}

  /**
   * A customer account, pending until its email is verified; the terms and privacy versions accepted are
   * recorded with the time and ip. The verification token goes out by email, never in the response.
   */
  async register(dto: RegisterDto): Promise<UserDto> {
    const tenantId = this.context.tenantId;
    const tenant = await this.tenants.resolve(tenantId);
    const policy = await this.policies.policyFor(tenantId);
    if (tenant?.status !== 'active' || !policy.allowedUserTypes.includes('customer')) {
      throw new Forbidden('Self-registration is not open in this tenant');
    }
    const email = dto.email.trim().toLowerCase();
    await this.assertAvailable(tenantId, dto.username, email);
    const passwordPolicy = await this.passwords.assertAcceptable(tenantId, dto.password, {
      username: dto.username,
      email,
    });
    const hash = await this.passwords.hash(dto.password);

    const { user, token } = await this.dataSource.transaction(async (manager) => {
      const userId = await this.accounts.insertUser(manager, {
        tenantId,
        username: dto.username,
        email,
        firstName: dto.firstName.trim(),
        lastName: dto.lastName.trim(),
        userType: 'customer',
        status: 'pending',
        emailVerified: false,
      });
      await this.passwords.store(manager, tenantId, userId, hash, passwordPolicy);
      if (dto.phone) await this.accounts.insertPhone(manager, tenantId, userId, this.cipher.encrypt(dto.phone));
      await this.accounts.recordConsents(manager, { tenantId, userId, ...policy.consentVersions, ip: this.context.ip });
      const issued = await this.tokens.issue(manager, {
        tenantId,
        userId,
        purpose: 'email_verification',
        ttlMinutes: VERIFICATION_TTL_MINUTES,
      });
      await this.audit.record(
        {
          tenantId,
          action: 'user.created',
          actorId: userId,
          targetId: userId,
          metadata: { source: 'registration', consentVersions: policy.consentVersions },
        },
        manager,
      );
      return { user: await this.requireUser(tenantId, userId, manager), token: issued };
    });
    await this.sendVerification(user, token);
    return toUserDto(user);
  }

  /** The emailed token proves the address: the account becomes active and its email verified. */
  async verifyEmail(token: string): Promise<UserDto> {
    const tenantId = this.context.tenantId;
    const user = await this.dataSource.transaction(async (manager) => {
      const userId = await this.tokens.consume(manager, tenantId, 'email_verification', token);
      if (!userId) throw new BadInput(INVALID_VERIFICATION);
      await this.accounts.markEmailVerified(manager, tenantId, userId);
      await this.audit.record({ tenantId, action: 'auth.email.verified', actorId: userId, targetId: userId }, manager);
      return this.requireUser(tenantId, userId, manager);
    });
    return toUserDto(user);
  }

  /**
   * Accepts an invitation: the account (email, type and roles from the invitation; active, email verified
   * since the token came by email) is created — or, when an administrator created it pending, completed —
   * in one transaction, and the new user is signed in.
   */
  async acceptInvitation(dto: AcceptInvitationDto): Promise<LoginResponseDto> {
    const tenantId = this.context.tenantId;
    const invitation = await this.accounts.findUsableInvitation(tenantId, dto.token);
    if (!invitation) throw new BadInput(INVALID_INVITATION);
    try {
      await this.assertAvailable(tenantId, dto.username, invitation.email, invitation.userId ?? undefined);
    } catch (err) {
      // A simultaneous acceptance of the same invitation may have created the account since we read it:
      // that is a spent invitation (400), not someone else's email (409).
      if (err instanceof Conflict && !(await this.accounts.findUsableInvitation(tenantId, dto.token))) {
        throw new BadInput(INVALID_INVITATION);
      }
      throw err;
    }
    const passwordPolicy = await this.passwords.assertAcceptable(tenantId, dto.password, {
      username: dto.username,
      email: invitation.email,
    });
    const hash = await this.passwords.hash(dto.password);

    const user = await this.dataSource.transaction(async (manager) => {
      if (!(await this.accounts.claimInvitation(manager, tenantId, invitation.id)))
        throw new BadInput(INVALID_INVITATION);
      let userId = invitation.userId;
      if (userId) {
        if (!(await this.accounts.activateInvited(manager, tenantId, userId, dto.username))) {
          throw new BadInput(INVALID_INVITATION);
        }
      } else {
        userId = await this.accounts.insertUser(manager, {
          tenantId,
          username: dto.username,
          email: invitation.email.trim().toLowerCase(),
          firstName: '',
          lastName: '',
          userType: invitation.userType,
          status: 'active',
          emailVerified: true,
        });
        await this.audit.record(
          {
            tenantId,
            action: 'user.created',
            actorId: invitation.invitedBy,
            targetId: userId,
            metadata: { source: 'invitation', invitationId: invitation.id },
          },
          manager,
        );
      }
      await this.accounts.linkInvitation(manager, tenantId, invitation.id, userId);
      await this.passwords.store(manager, tenantId, userId, hash, passwordPolicy);
      const roles = await this.roleAssignment.grantInvited(
        manager,
        tenantId,
        userId,
        invitation.roles,
        invitation.invitedBy,
      );
      await this.audit.record(
        {
          tenantId,
          action: 'user.invitation.accepted',
          actorId: userId,
          targetId: userId,
          metadata: { invitationId: invitation.id, roles },
        },
        manager,
      );
      return this.requireUser(tenantId, userId, manager);
    });
    // An account an administrator created pending may have had its (role-less) permissions cached.
    this.permissions.invalidate(user.id);
    return this.auth.completeLogin(user);
  }

  /** 409 naming what is taken; the unique indexes still catch a concurrent twin (also 409). */
  private async assertAvailable(
    tenantId: string,
    username: string,
    email: string,
    exceptUserId?: string,
  ): Promise<void> {
    const taken = await this.accounts.taken(tenantId, { username, email, exceptUserId });
    const messages = [
      ...(taken.username ? ['The username is already taken'] : []),
      ...(taken.email ? ['An account with this email already exists'] : []),
    ];
    if (messages.length) throw new Conflict(messages.length === 1 ? messages[0] : messages);
  }

  private async requireUser(tenantId: string, userId: string, manager: EntityManager): Promise<User> {
    const user = await this.users.findById(tenantId, userId, manager);
    if (!user) throw new BadInput('The account no longer exists');
    return user;
  }

  /** A failed delivery does not undo the registration; it is logged for the operator. */
  private async sendVerification(user: User, token: string): Promise<void> {
    try {
      await this.notifications.send({
        channel: 'email',
        to: user.email,
        kind: 'email_verification',
        token,
        ...authEmails.emailVerification(token),
      });
    } catch (err) {
      this.logger.error({ err, userId: user.id }, 'could not send the verification email');
    }
  }
}
