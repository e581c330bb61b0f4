import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RequestContext, type Principal } from '../common/context/request-context';
import { Forbidden } from '../common/errors/domain-errors';
import type { UserType } from '../common/user-types';
import { BUILT_IN_ROLE_PERMISSIONS, isPlatformUserType } from './built-in-roles';

/** What a caller tried to do, named in the `rbac.escalation_denied` audit entry (`role.create`, `user.create`, ...). */
export type PrivilegedAction = string;

/** A role as far as granting it is concerned. */
export interface GrantableRole {
  name: string;
  builtIn: boolean;
  permissions: readonly string[];
}

/** What the attempt was aimed at: a user id, or another record named with its type. */
export type PrivilegeTarget = string | { id: string; type: 'role' | 'api_key' | 'user' };

type DenialReason = 'missing_permissions' | 'user_type_rank' | 'self_change' | 'platform_target';

/**
 * The one place that refuses privilege escalation: nobody grants what they do not hold (through roles,
 * user types or API-key scopes), nobody below platform level makes platform admins, only a super admin
 * makes super admins, and nobody changes their own roles. Every refusal is a 403 and an
 * `rbac.escalation_denied` audit entry naming the attempted action.
 *
 * The audit entry is written on its own connection, outside any transaction of the caller, so that it
 * stays when the caller's transaction rolls back. Call these checks before appending audit entries in a
 * transaction of the same tenant (ideally before opening it): the trail's per-tenant head lock would
 * otherwise make the two wait for each other.
 */
@Injectable()
export class PrivilegeService {
  constructor(
    private readonly context: RequestContext,
    private readonly audit: AuditService,
  ) {}

  /** The caller must hold every one of these permissions to hand them out (to a role, a user or a key). */
  async assertCanGrant(
    permissions: Iterable<string>,
    action: PrivilegedAction,
    target?: PrivilegeTarget,
  ): Promise<void> {
    const caller = this.context.requirePrincipal();
    const missing = [...new Set(permissions)].filter((p) => !caller.permissions.has(p)).sort();
    if (missing.length) {
      await this.deny(action, 'missing_permissions', { missing }, target);
      throw new Forbidden(`You cannot grant permissions you do not hold: ${missing.join(', ')}`);
    }
  }

  /**
   * The caller may create a user of this type, or change a user to it: super admins only by a super
   * admin, platform admins only by a platform admin, any other type only by a caller holding every
   * permission of that type's built-in role. Platform rank needs a signed-in user, never an API key.
   */
  async assertCanAssignUserType(userType: UserType, action: PrivilegedAction, target?: PrivilegeTarget): Promise<void> {
    const caller = this.context.requirePrincipal();
    if (isPlatformUserType(userType)) {
      if (!outranksOrEquals(caller, userType)) {
        await this.deny(action, 'user_type_rank', { userType }, target);
        throw new Forbidden(
          `Only ${userType === 'super_admin' ? 'a super admin' : 'a platform admin'} can make a ${userType}`,
        );
      }
      return;
    }
    await this.assertCanGrant(BUILT_IN_ROLE_PERMISSIONS[userType], action, target);
  }

  /**
   * The caller may grant (or take away) these roles: they must hold every permission in them, and the
   * built-in platform roles follow the rank rule of user types.
   */
  async assertCanAssignRoles(
    roles: readonly GrantableRole[],
    action: PrivilegedAction,
    target?: PrivilegeTarget,
  ): Promise<void> {
    const caller = this.context.requirePrincipal();
    for (const role of roles) {
      const type = role.builtIn ? (role.name as UserType) : undefined;
      if (type && isPlatformUserType(type) && !outranksOrEquals(caller, type)) {
        await this.deny(action, 'user_type_rank', { role: role.name }, target);
        throw new Forbidden(
          `Only ${type === 'super_admin' ? 'a super admin' : 'a platform admin'} can grant the ${type} role`,
        );
      }
    }
    await this.assertCanGrant(
      roles.flatMap((r) => r.permissions),
      action,
      target,
    );
  }

  /** Nobody changes their own roles, type or status: another administrator has to. */
  async assertNotSelf(targetUserId: string, action: PrivilegedAction): Promise<void> {
    const caller = this.context.requirePrincipal();
    if (caller.userId === targetUserId) {
      await this.deny(action, 'self_change', {}, targetUserId);
      throw new Forbidden('You cannot change your own roles or privileges');
    }
  }

  /**
   * The caller may change this user's roles, type or status: platform users (super_admin,
   * platform_admin) are managed only by platform users of at least their rank.
   */
  async assertCanManageUser(target: { id: string; userType: UserType }, action: PrivilegedAction): Promise<void> {
    const caller = this.context.requirePrincipal();
    if (isPlatformUserType(target.userType) && !outranksOrEquals(caller, target.userType)) {
      await this.deny(action, 'platform_target', { userType: target.userType }, target.id);
      throw new Forbidden('Only a platform administrator of at least the same rank can change this user');
    }
  }

  private async deny(
    action: PrivilegedAction,
    reason: DenialReason,
    details: Record<string, unknown>,
    target?: PrivilegeTarget,
  ): Promise<void> {
    const caller = this.context.requirePrincipal();
    await this.audit.record({
      tenantId: this.context.tenantId,
      action: 'rbac.escalation_denied',
      targetId: typeof target === 'string' ? target : (target?.id ?? null),
      targetType: typeof target === 'string' ? 'user' : target?.type,
      success: false,
      metadata: {
        attemptedAction: action,
        reason,
        ...details,
        ...(caller.apiKeyId ? { apiKeyId: caller.apiKeyId } : {}),
      },
    });
  }
}

/** super_admin > platform_admin > everyone else; only signed-in users carry platform rank. */
function outranksOrEquals(caller: Principal, userType: UserType): boolean {
  if (caller.kind !== 'user') return false;
  if (userType === 'super_admin') return caller.userType === 'super_admin';
  if (userType === 'platform_admin') return isPlatformUserType(caller.userType);
  return true;
}
