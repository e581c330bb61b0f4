import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import { PasswordService } from '../auth/passwords/password.service';
import { RequestContext } from '../common/context/request-context';
import { BadInput, BusinessRuleViolation, Conflict, NotFound } from '../common/errors/domain-errors';
import type { MaybePromise } from '../common/maybe-promise';
import type { UserType } from '../common/user-types';
import { ProfilesService } from '../profiles/profiles.service';
import { PermissionResolver } from '../rbac/permission-resolver';
import { PrivilegeService } from '../rbac/privilege.service';
import { RoleAssignmentService } from '../rbac/role-assignment.service';
import { SessionsService } from '../sessions/sessions.service';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import type { UserDetailDto } from './dto/user-detail.dto';
import type { CreateUserDto, UpdateMeDto, UpdateUserDto } from './dto/user-input.dto';
import type { User } from './entities/user.entity';
import { assertMayManage } from './user-access';
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
    private readonly passwords: PasswordService,
    private readonly policies: TenantPolicyService,
    private readonly sessions: SessionsService,
    private readonly permissions: PermissionResolver,
    private readonly privileges: PrivilegeService,
    private readonly roleAssignment: RoleAssignmentService,
    private readonly apiKeys: ApiKeysService,
    private readonly accounts: AccountCache,
  ) {}

  me(): MaybePromise<UserDetailDto> {
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
    if (dto.phone !== undefined && dto.contactInfo?.phone !== undefined && dto.phone !== dto.contactInfo.phone) {
      throw new BadInput('phone: give the phone either as phone or as contactInfo.phone, not two different ones');
    }
    if (dto.temporaryPassword && dto.password === undefined) {
      throw new BadInput('temporaryPassword: only applies together with a password');
    }
    await this.assertTypeAllowed(tenantId, dto.userType);
    // The RBAC feature decides who may give which type and roles (403 and rbac.escalation_denied otherwise).
    await this.privileges.assertCanAssignUserType(dto.userType, 'user.create');
    const roles = dto.roles?.length ? await this.roleAssignment.resolveAssignable(dto.roles, 'user.create') : [];
    const passwordHash =
      dto.password === undefined ? undefined : await this.hashInitialPassword(tenantId, dto, dto.password);

    const id = await this.dataSource.transaction(async (manager) => {
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
      await this.roleAssignment.grantWithin(manager, tenantId, user.id, roles);
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
          metadata: {
            userType: user.userType,
            status: user.status,
            roles: roles.map((r) => r.name),
            withPassword: !!passwordHash,
          },
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
    const checkedType = dto.userType === undefined ? undefined : await this.checkTypeChange(tenantId, id, dto.userType);

    const typeChanged = await this.dataSource.transaction(async (manager) => {
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
        // What checkTypeChange() allowed was a change from the type it read.
        if (user.userType !== checkedType) {
          throw new Conflict('The account was changed meanwhile; read it again and retry');
        }
        changes.userType = dto.userType;
      }
      await this.users.update(manager, tenantId, id, changes);
      const sideChanges = await this.applyProfileChanges(manager, user, dto, Object.keys(changes).length > 0);

      const fields = [...Object.keys(changes).filter((f) => f !== 'emailVerifiedAt'), ...sideChanges];
      if (changes.userType) {
        // The built-in role follows the user type: the sessions end so that the new permissions apply at once.
        await this.sessions.revoke({ tenantId, userId: id }, 'user_type_changed', manager);
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
      return changes.userType !== undefined;
    });
    if (typeChanged) {
      // Once committed: cached permissions and cached API keys (which carry the type) are read again.
      this.permissions.invalidate(id);
      this.apiKeys.forgetCachedKeysOf(id);
    }
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
   * A change of user type is a change of privileges, checked before the transaction (a refusal is audited
   * on its own connection): the tenant must allow the type, nobody changes their own type (400, as on
   * /users/me), and the RBAC feature decides whether the caller may manage this user and give that type
   * (403). Returns the type the user had when checked.
   */
  private async checkTypeChange(tenantId: string, id: string, userType: UserType): Promise<UserType> {
    await this.assertTypeAllowed(tenantId, userType);
    const user = await this.users.findById(tenantId, id);
    if (!user) throw new NotFound('User');
    if (user.userType === userType) return user.userType;
    if (user.id === this.context.requirePrincipal().userId) {
      throw new BadInput('userType: you cannot change your own userType');
    }
    await this.privileges.assertCanManageUser(user, 'user.update');
    await this.privileges.assertCanAssignUserType(userType, 'user.update', id);
    return user.userType;
  }

  /**
   * A password an administrator sets at creation goes through the tenant's whole password policy, as at
   * registration: 400 over 72 bytes, 422 listing every rule it breaks.
   */
  private async hashInitialPassword(
    tenantId: string,
    owner: { username: string; email: string },
    password: string,
  ): Promise<string> {
    await this.passwords.assertAcceptable(tenantId, password, { username: owner.username, email: owner.email });
    return this.passwords.hash(password);
  }
}
