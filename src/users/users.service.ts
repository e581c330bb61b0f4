import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { BCRYPT_MAX_BYTES, PasswordHasher } from '../common/crypto/password-hasher';
import { BadInput, BusinessRuleViolation, NotFound } from '../common/errors/domain-errors';
import type { UserType } from '../common/user-types';
import { ProfilesService } from '../profiles/profiles.service';
import { PermissionResolver } from '../rbac/permission-resolver';
import { SessionsService } from '../sessions/sessions.service';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import type { UserDetailDto } from './dto/user-detail.dto';
import type { CreateUserDto, UpdateMeDto, UpdateUserDto } from './dto/user-input.dto';
import type { User } from './entities/user.entity';
import { assertMayAssignType, assertMayManage } from './user-access';
import { UserRolesService } from './user-roles.service';
import { toUserDetailDto } from './users.mapper';
import { UserChanges, UsersRepository } from './users.repository';
import { AccountCache } from './account-cache';

/** Accounts: create, read, change; the self-service side of /users/me. Lifecycle is UserLifecycleService's. */
@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly profiles: ProfilesService,
    private readonly roles: UserRolesService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly hasher: PasswordHasher,
    private readonly policies: TenantPolicyService,
    private readonly sessions: SessionsService,
    private readonly permissions: PermissionResolver,
    private readonly accounts: AccountCache,
  ) {}

  async me(): Promise<UserDetailDto> {
    const principal = this.context.requirePrincipal();
    return this.accounts.get(principal.userId, () => this.detail(principal.homeTenantId, principal.userId));
  }

  async updateMe(dto: UpdateMeDto): Promise<UserDetailDto> {
    const principal = this.context.requirePrincipal();
    const tenantId = principal.homeTenantId;
    await this.dataSource.transaction(async (manager) => {
      const user = await this.users.lockById(manager, tenantId, principal.userId);
      if (!user) throw new NotFound('User');
      const changed = await this.applyProfileChanges(manager, user, dto);
      if (changed.length) {
        await this.audit.record(
          { tenantId, action: 'user.updated', targetId: user.id, metadata: { fields: changed, self: true } },
          manager,
        );
      }
    });
    return this.detail(tenantId, principal.userId);
  }

  async get(id: string): Promise<UserDetailDto> {
    return this.detail(this.context.tenantId, id);
  }

  async create(dto: CreateUserDto): Promise<UserDetailDto> {
    const principal = this.context.requirePrincipal();
    const tenantId = this.context.tenantId;
    await this.assertTypeAllowed(tenantId, dto.userType);
    assertMayAssignType(principal, dto.userType);
    if (dto.phone !== undefined && dto.contactInfo?.phone !== undefined && dto.phone !== dto.contactInfo.phone) {
      throw new BadInput('phone: give the phone either as phone or as contactInfo.phone, not two different ones');
    }
    if (dto.temporaryPassword && dto.password === undefined) {
      throw new BadInput('temporaryPassword: only applies together with a password');
    }
    const passwordHash =
      dto.password === undefined ? undefined : await this.hashInitialPassword(tenantId, dto.password);

    const id = await this.dataSource.transaction(async (manager) => {
      const roles = await this.roles.resolve(tenantId, dto.roles ?? [], manager);
      const user = await this.users.insert(manager, {
        tenantId,
        username: dto.username,
        email: dto.email,
        firstName: dto.firstName ?? '',
        lastName: dto.lastName ?? '',
        userType: dto.userType,
        // Without a password nobody can sign in yet: the account waits for the user to set one.
        status: passwordHash ? 'active' : 'pending',
        emailVerified: false,
        createdBy: principal.userId,
      });
      if (passwordHash)
        await this.users.insertPassword(manager, tenantId, user.id, passwordHash, !!dto.temporaryPassword);
      const granted = await this.roles.grant(manager, tenantId, user.id, roles, principal.userId);
      await this.profiles.apply(manager, tenantId, user.id, {
        profile: dto.profile,
        contactInfo: dto.phone !== undefined ? { ...dto.contactInfo, phone: dto.phone } : dto.contactInfo,
        preferences: dto.preferences,
      });
      await this.audit.record(
        {
          tenantId,
          action: 'user.created',
          targetId: user.id,
          metadata: { userType: user.userType, status: user.status, roles: granted, withPassword: !!passwordHash },
        },
        manager,
      );
      return user.id;
    });
    return this.detail(tenantId, id);
  }

  async update(id: string, dto: UpdateUserDto): Promise<UserDetailDto> {
    const principal = this.context.requirePrincipal();
    const tenantId = this.context.tenantId;
    if (dto.userType !== undefined) await this.assertTypeAllowed(tenantId, dto.userType);

    await this.dataSource.transaction(async (manager) => {
      const user = await this.users.lockById(manager, tenantId, id);
      if (!user) throw new NotFound('User');
      assertMayManage(principal, user);

      const changes: UserChanges = {};
      if (dto.username !== undefined && dto.username !== user.username) changes.username = dto.username;
      if (dto.email !== undefined && dto.email !== user.email) {
        changes.email = dto.email;
        // A new address has not been verified by anyone, unless the administrator says it has.
        if (dto.emailVerified === undefined && user.emailVerified) changes.emailVerified = false;
      }
      if (dto.emailVerified !== undefined && dto.emailVerified !== user.emailVerified) {
        if (user.id === principal.userId) throw new BadInput('emailVerified: you cannot change your own emailVerified');
        changes.emailVerified = dto.emailVerified;
      }
      if (changes.emailVerified !== undefined) changes.emailVerifiedAt = changes.emailVerified ? new Date() : null;
      if (dto.userType !== undefined && dto.userType !== user.userType) {
        if (user.id === principal.userId) throw new BadInput('userType: you cannot change your own userType');
        assertMayAssignType(principal, dto.userType);
        changes.userType = dto.userType;
      }
      await this.users.update(manager, tenantId, id, changes);
      const sideChanges = await this.applyProfileChanges(manager, user, dto, Object.keys(changes).length > 0);

      const fields = [...Object.keys(changes).filter((f) => f !== 'emailVerifiedAt'), ...sideChanges];
      if (changes.userType) {
        // The built-in role follows the user type: the sessions end so that the new permissions apply at once.
        await this.sessions.revoke({ tenantId, userId: id }, 'user_type_changed', manager);
        this.permissions.invalidate(id);
      }
      if (fields.length) {
        await this.audit.record(
          {
            tenantId,
            action: 'user.updated',
            targetId: id,
            metadata: changes.userType
              ? { fields, userType: { from: user.userType, to: changes.userType } }
              : { fields },
          },
          manager,
        );
      }
    });
    return this.detail(tenantId, id);
  }

  /** GET /users/{id}, /users/me and every answer that returns one account in full. */
  async detail(tenantId: string, id: string): Promise<UserDetailDto> {
    const user = await this.users.findById(tenantId, id);
    if (!user) throw new NotFound('User');
    const [roles, parts] = await Promise.all([
      this.roles.namesByUser(user.tenantId, [user.id]),
      this.profiles.read(user.tenantId, user.id),
    ]);
    return toUserDetailDto(user, roles.get(user.id) ?? [], parts);
  }

  /** Names and side tables; returns the names of the fields changed (for the audit entry). */
  private async applyProfileChanges(
    manager: EntityManager,
    user: User,
    dto: UpdateMeDto | UpdateUserDto,
    alreadyTouched = false,
  ): Promise<string[]> {
    const changes: UserChanges = {};
    if (dto.firstName !== undefined && dto.firstName !== user.firstName) changes.firstName = dto.firstName;
    if (dto.lastName !== undefined && dto.lastName !== user.lastName) changes.lastName = dto.lastName;
    await this.users.update(manager, user.tenantId, user.id, changes);
    const side = await this.profiles.apply(manager, user.tenantId, user.id, dto);
    if (side.length && !alreadyTouched && Object.keys(changes).length === 0) {
      await this.users.touch(manager, user.tenantId, user.id);
    }
    return [...Object.keys(changes), ...side];
  }

  private async assertTypeAllowed(tenantId: string, userType: UserType): Promise<void> {
    const { allowedUserTypes } = await this.policies.policyFor(tenantId);
    if (!allowedUserTypes.includes(userType)) {
      throw new BusinessRuleViolation(`This tenant does not allow accounts of type ${userType}`);
    }
  }

  /**
   * The rule for a password an administrator sets at creation: bcrypt reads at most 72 bytes, so longer
   * ones are refused rather than silently cut, and the tenant's minimum length applies.
   */
  private async hashInitialPassword(tenantId: string, password: string): Promise<string> {
    if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) {
      throw new BadInput(`password must be at most ${BCRYPT_MAX_BYTES} bytes`);
    }
    const { password: policy } = await this.policies.policyFor(tenantId);
    if (password.length < policy.minLength) {
      throw new BusinessRuleViolation(`password must be at least ${policy.minLength} characters`);
    }
    return this.hasher.hash(password);
  }
}
