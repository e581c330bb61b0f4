import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import type { Permission } from '../../common/auth/permissions';
import { RequestContext, type Principal } from '../../common/context/request-context';
import { BadInput, BusinessRuleViolation, Conflict, DomainError, Forbidden } from '../../common/errors/domain-errors';
import { SessionsService } from '../../sessions/sessions.service';
import type { User } from '../entities/user.entity';
import { assertMayManage, assertNotSelf } from '../user-access';
import type { LifecycleAction } from '../user-lifecycle';
import { UserLifecycleService } from '../user-lifecycle.service';
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

/**
 * Transactions in flight at once. Each user's change is its own short transaction; a few run side by side
 * so that commits overlap, without taking more than a few connections of the pool.
 */
const CONCURRENCY = 4;

interface Job {
  principal: Principal;
  tenantId: string;
  operation: BulkOperation;
  role?: RoleRef;
  dryRun: boolean;
  hasPassword: ReadonlySet<string>;
}

/** POST /users/bulk-operation: each user's change in its own transaction; one failure stops no other. */
@Injectable()
export class BulkOperationsService {
  private readonly logger = new Logger('BulkOperations');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly lifecycle: UserLifecycleService,
    private readonly roles: UserRolesService,
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
    const [role] = takesRole ? await this.roles.resolve(tenantId, [dto.role!]) : [];
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
    const outcomes = await mapLimited(dto.userIds, CONCURRENCY, (id) => this.one(job, id, found.get(id)));

    const result: BulkResultDto = { succeeded: [], failed: [], dryRun: job.dryRun };
    dto.userIds.forEach((id, i) => {
      const error = outcomes[i];
      if (error === undefined) result.succeeded.push(id);
      else result.failed.push({ id, error });
    });
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

  /** One user: undefined when it succeeded (or would), else the reason it did not. */
  private async one(job: Job, id: string, user: User | undefined): Promise<string | undefined> {
    if (!user) return 'User not found';
    try {
      const action = LIFECYCLE[job.operation];
      if (action) {
        if (this.lifecycle.plan(job.principal, user, action).kind === 'unchanged' || job.dryRun) return undefined;
        await this.dataSource.transaction((m) => this.lifecycle.apply(m, user, action, null, { bulk: true }));
        return undefined;
      }
      assertMayManage(job.principal, user);
      if (job.operation === 'force_password_reset') {
        assertNotSelf(job.principal, id, 'force a password reset on');
        if (!job.hasPassword.has(id)) throw new BusinessRuleViolation('The account has no password to reset');
        if (!job.dryRun) await this.forcePasswordReset(user);
        return undefined;
      }
      if (!job.dryRun) await this.changeRole(job, user);
      return undefined;
    } catch (err) {
      if (err instanceof DomainError) return err.message;
      this.logger.error({ err, userId: id, operation: job.operation }, 'bulk operation failed for one user');
      return 'Internal error';
    }
  }

  private async forcePasswordReset(user: User): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.users.requirePasswordChange(manager, user.tenantId, user.id))) {
        throw new BusinessRuleViolation('The account has no password to reset');
      }
      const revoked = await this.sessions.revoke({ tenantId: user.tenantId, userId: user.id }, 'password_reset_forced', manager);
      await this.audit.record(
        {
          tenantId: user.tenantId,
          action: 'user.password_reset_forced',
          targetId: user.id,
          metadata: { bulk: true, sessionsRevoked: revoked.length },
        },
        manager,
      );
    });
  }

  private async changeRole(job: Job, user: User): Promise<void> {
    const role = job.role!;
    await this.dataSource.transaction(async (manager) => {
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
    });
  }
}

function hashRequest(dto: BulkOperationDto): string {
  const canonical = JSON.stringify([dto.operation, dto.userIds, dto.role ?? null, dto.dryRun ?? false]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Runs `fn` over the items with at most `limit` at a time; the results keep the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
