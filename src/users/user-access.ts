import type { Principal } from '../common/context/request-context';
import { BusinessRuleViolation, Forbidden } from '../common/errors/domain-errors';
import type { UserType } from '../common/user-types';
import { BUILT_IN_ROLE_PERMISSIONS } from '../rbac/built-in-roles';

/**
 * Whether the caller holds every permission that the built-in role of `userType` carries. Nobody changes
 * or locks out an account more powerful than their own: a tenant admin cannot touch a super admin, a
 * reseller cannot edit a support agent. (Who may give which user type or roles is the RBAC feature's
 * PrivilegeService's call.)
 */
function outranks(principal: Principal, userType: UserType): boolean {
  return BUILT_IN_ROLE_PERMISSIONS[userType].every((p) => principal.permissions.has(p));
}

export function assertMayManage(principal: Principal, target: { userType: UserType }): void {
  if (!outranks(principal, target.userType)) {
    throw new Forbidden(`You cannot manage an account of type ${target.userType}: it holds permissions you do not`);
  }
}

/** Administrators cannot lock themselves out through the admin routes (the last admin would be gone). */
export function assertNotSelf(principal: Principal, targetId: string, what: string): void {
  if (principal.userId === targetId) throw new BusinessRuleViolation(`You cannot ${what} your own account`);
}
