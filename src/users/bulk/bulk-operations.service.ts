import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import type { Permission } from '../../common/auth/permissions';
import { RequestContext, type Principal } from '../../common/context/request-context';
import { BadInput, BusinessRuleViolation, Conflict, DomainError, Forbidden } from '../../common/errors/domain-errors';
import { PermissionResolver } from '../../rbac/permission-resolver';
import { PrivilegeService } from '../../rbac/privilege.service';
import { RoleAssignmentService } from '../../rbac/role-assignment.service';
import { SessionsService } from '../../sessions/sessions.service';
import type { User } from '../entities/user.entity';
import { assertMayManage, assertNotSelf } from '../user-access';
import type { LifecycleAction } from '../user-lifecycle';
import { CHANGED_MEANWHILE, UserLifecycleService } from '../user-lifecycle.service';
import type { RoleRef } from '../user-roles.repository';
import { UserRolesService } from '../user-roles.service';
import { UsersRepository } from '../users.repository';
import { BulkOperation, BulkOperationDto, BulkResultDto, ROLE_OPERATIONS } from './bulk-operation.dto';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';

/** Bulk needs users:bulk and, on top, the permission of the operation itself: bulk never widens rights. */
const REQUIRED_PERMISSION: Record<BulkOperation, Permission> = {
  activate: 'users:status',
  deactivate: 'users:status',
  suspend: 'users:status',
  delete: 'users:delete',
  assign_role: 'roles:manage',
  remove_role: 'roles:manage',
  force_password_reset: 'users:update',
};

const LIFECYCLE: Partial<Record<BulkOperation, LifecycleAction>> = {
  activate: 'activate',
  deactivate: 'deactivate',
  suspend: 'suspend',
  delete: 'delete',
};

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Users per transaction (see applyBatch). */
const BATCH_SIZE = 100;

interface Job {
  principal: Principal;
  tenantId: string;
  operation: BulkOperation;
  role?: RoleRef;
  dryRun: boolean;
  hasPassword: ReadonlySet<string>;
}

/** POST /users/bulk-operation: each user's change atomic on its own; one failure stops no other. */
@Injectable()
export class BulkOperationsService {
  private readonly logger = new Logger('BulkOperations');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly lifecycle: UserLifecycleService,
    private readonly roles: UserRolesService,
    private readonly roleAssignment: RoleAssignmentService,
    private readonly privileges: PrivilegeService,
    private readonly permissions: PermissionResolver,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyKeysRepository,
    private readonly context: RequestContext,
  ) {}

  async run(dto: BulkOperationDto, idempotencyKey: string | undefined): Promise<BulkResultDto> {
    const principal = this.context.requirePrincipal();
    const tenantId = this.context.tenantId;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadInput('Idempotency-Key must be 1 to 255 visible ASCII characters');
    }
    const required = REQUIRED_PERMISSION[dto.operation];
    if (!principal.permissions.has(required)) throw new Forbidden(`Missing permission: ${required}`);
    const takesRole = ROLE_OPERATIONS.includes(dto.operation);
    if (!takesRole && dto.role !== undefined) throw new BadInput('role: only assign_role and remove_role take a role');
    // Whether the caller may grant (or take away) the role at all is the RBAC feature's call: 403, audited.
    const [role] = takesRole
      ? await this.roleAssignment.resolveAssignable([dto.role!], privilegedAction(dto.operation))
      : [];
    const dryRun = dto.dryRun ?? false;

    // A dry run changes nothing, so repeating it is harmless: it needs no key.
    const job: Job = { principal, tenantId, operation: dto.operation, role, dryRun, hasPassword: new Set() };
    if (dryRun || idempotencyKey === undefined) return this.execute(dto, job);

    const requestHash = hashRequest(dto);
    const claim = await this.idempotency.claim(tenantId, principal.userId, idempotencyKey, requestHash);
    switch (claim.kind) {
      case 'replay':
        return claim.response as BulkResultDto;
      case 'mismatch':
        throw new BusinessRuleViolation('This Idempotency-Key was used with a different request body');
      case 'in_flight':
        throw new Conflict('A request with this Idempotency-Key is still being processed');
      case 'claimed':
        break;
    }
    try {
      const result = await this.execute(dto, job);
      await this.idempotency.complete(tenantId, principal.userId, idempotencyKey, 200, result);
      return result;
    } catch (err) {
      await this.idempotency.release(tenantId, principal.userId, idempotencyKey);
      throw err;
    }
  }

  private async execute(dto: BulkOperationDto, job: Job): Promise<BulkResultDto> {
    const found = new Map((await this.users.findByIds(job.tenantId, dto.userIds)).map((u) => [u.id, u]));
    if (job.operation === 'force_password_reset') {
      job.hasPassword = await this.users.withPassword(job.tenantId, [...found.keys()]);
    }
    const errors = new Map<string, string>();
    const toChange: User[] = [];
    for (const id of dto.userIds) {
      const user = found.get(id);
      const refusal = user ? await this.refusal(job, user) : 'User not found';
      if (refusal !== undefined) errors.set(id, refusal);
      else if (!job.dryRun && this.needsChange(job, user!)) toChange.push(user!);
    }
    for (let i = 0; i < toChange.length; i += BATCH_SIZE) {
      await this.applyBatch(job, toChange.slice(i, i + BATCH_SIZE), errors);
    }

    const result: BulkResultDto = { succeeded: [], failed: [], dryRun: job.dryRun };
    for (const id of dto.userIds) {
      const error = errors.get(id);
      if (error === undefined) result.succeeded.push(id);
      else result.failed.push({ id, error });
    }
    if (!job.dryRun) {
      await this.audit.record({
        tenantId: job.tenantId,
        action: 'user.bulk_operation',
        targetId: null,
        metadata: {
          operation: job.operation,
          ...(job.role ? { role: job.role.name } : {}),
          succeeded: result.succeeded.length,
          failed: result.failed.length,
        },
      });
    }
    return result;
  }

  /**
   * Why the operation cannot be applied to this user (checked before writing; a refused role change is
   * audited by the RBAC feature), or undefined when it can.
   */
  private async refusal(job: Job, user: User): Promise<string | undefined> {
    try {
      const action = LIFECYCLE[job.operation];
      if (action) {
        this.lifecycle.plan(job.principal, user, action);
        return undefined;
      }
      if (ROLE_OPERATIONS.includes(job.operation)) {
        // The same checks as POST /users/{id}/roles: never the own roles, platform users only by their rank.
        await this.privileges.assertNotSelf(user.id, privilegedAction(job.operation));
        await this.privileges.assertCanManageUser(user, privilegedAction(job.operation));
        return undefined;
      }
      assertMayManage(job.principal, user);
      if (job.operation === 'force_password_reset') {
        assertNotSelf(job.principal, user.id, 'force a password reset on');
        if (!job.hasPassword.has(user.id)) return 'The account has no password to reset';
      }
      return undefined;
    } catch (err) {
      if (err instanceof DomainError) return err.message;
      throw err;
    }
  }

  /** False when the user is already where the operation leads (a retry, a repeated bulk run). */
  private needsChange(job: Job, user: User): boolean {
    const action = LIFECYCLE[job.operation];
    return !action || this.lifecycle.plan(job.principal, user, action).kind === 'change';
  }

  /**
   * Applies the operation to up to BATCH_SIZE users in one transaction: one commit (and one hold of the
   * tenant's audit-chain lock) for the batch instead of one per user. If anything in the batch fails, the
   * whole batch rolls back and each of its users is applied again in a transaction of its own, so that a
   * user's change stays atomic and one failure stops no other.
   */
  private async applyBatch(job: Job, batch: User[], errors: Map<string, string>): Promise<void> {
    try {
      const failures = await this.dataSource.transaction((manager) => this.applyTo(manager, job, batch));
      for (const [id, error] of failures) errors.set(id, error);
    } catch {
      for (const user of batch) {
        try {
          const failures = await this.dataSource.transaction((manager) => this.applyTo(manager, job, [user]));
          for (const [id, error] of failures) errors.set(id, error);
        } catch (err) {
          errors.set(user.id, this.describe(err, user.id));
        }
      }
    }
    // Once committed (or rolled back): the users' cached permissions are read again.
    if (ROLE_OPERATIONS.includes(job.operation)) this.permissions.invalidate(batch.map((u) => u.id));
  }

  /** Writes the operation for these users; returns the users it left unchanged, and why. */
  private async applyTo(manager: EntityManager, job: Job, users: User[]): Promise<Map<string, string>> {
    const failures = new Map<string, string>();
    const action = LIFECYCLE[job.operation];
    if (action) {
      const changed = await this.lifecycle.applyMany(manager, job.tenantId, users, action, null, { bulk: true });
      for (const u of users) if (!changed.has(u.id)) failures.set(u.id, CHANGED_MEANWHILE);
      return failures;
    }
    for (const user of users) {
      if (job.operation === 'force_password_reset') {
        if (!(await this.forcePasswordReset(manager, user)))
          failures.set(user.id, 'The account has no password to reset');
      } else {
        await this.changeRole(manager, job, user);
      }
    }
    return failures;
  }

  private describe(err: unknown, userId: string): string {
    if (err instanceof DomainError) return err.message;
    this.logger.error({ err, userId }, 'bulk operation failed for one user');
    return 'Internal error; nothing was changed for this user';
  }

  /** False (and nothing written) when the account has no password. */
  private async forcePasswordReset(manager: EntityManager, user: User): Promise<boolean> {
    if (!(await this.users.requirePasswordChange(manager, user.tenantId, user.id))) return false;
    const revoked = await this.sessions.revoke(
      { tenantId: user.tenantId, userId: user.id },
      'password_reset_forced',
      manager,
    );
    await this.audit.record(
      {
        tenantId: user.tenantId,
        action: 'user.password_reset_forced',
        targetId: user.id,
        metadata: { bulk: true, sessionsRevoked: revoked.length },
      },
      manager,
    );
    return true;
  }

  private async changeRole(manager: EntityManager, job: Job, user: User): Promise<void> {
    const role = job.role!;
    const assign = job.operation === 'assign_role';
    const changed = assign
      ? await this.roles.grant(manager, user.tenantId, user.id, [role], job.principal.userId)
      : await this.roles.revoke(manager, user.tenantId, user.id, [role]);
    if (changed.length === 0) return;
    await this.audit.record(
      {
        tenantId: user.tenantId,
        action: assign ? 'user.role_assigned' : 'user.role_removed',
        targetId: user.id,
        metadata: { role: role.name, roleId: role.id, bulk: true },
      },
      manager,
    );
  }
}

/** The attempted action named in an rbac.escalation_denied audit entry. */
function privilegedAction(operation: BulkOperation): string {
  return `user.bulk.${operation}`;
}

function hashRequest(dto: BulkOperationDto): string {
  const canonical = JSON.stringify([dto.operation, dto.userIds, dto.role ?? null, dto.dryRun ?? false]);
  return createHash('sha256').update(canonical).digest('hex');
}
