import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/context/request-context';
import { RequestContext } from '../common/context/request-context';
import { BusinessRuleViolation, Conflict, NotFound } from '../common/errors/domain-errors';
import { SessionsService } from '../sessions/sessions.service';
import type { UserDetailDto } from './dto/user-detail.dto';
import type { User } from './entities/user.entity';
import { assertMayManage, assertNotSelf } from './user-access';
import {
  LIFECYCLE_AUDIT_ACTIONS,
  LifecycleAction,
  REVOKING_ACTIONS,
  TRANSITIONS,
  TransitionOutcome,
  planTransition,
} from './user-lifecycle';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

export const CHANGED_MEANWHILE = 'The account was changed or deleted meanwhile; read it again and retry';

const SELF_WORDING: Record<LifecycleAction, string> = {
  activate: 'activate',
  deactivate: 'deactivate',
  suspend: 'suspend',
  delete: 'delete (use DELETE /users/me)',
};

/**
 * Moves accounts through the lifecycle of user-lifecycle.ts. Deactivating, suspending and deleting revoke
 * the account's sessions and API keys in the same transaction as the status change and its audit entry.
 */
@Injectable()
export class UserLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  /** POST /users/{id}/activate|deactivate|suspend. */
  async change(id: string, action: Exclude<LifecycleAction, 'delete'>, reason?: string): Promise<UserDetailDto> {
    const tenantId = this.context.tenantId;
    await this.changeOne(tenantId, id, action, reason ?? null);
    return this.usersService.detail(tenantId, id);
  }

  /** DELETE /users/{id}: a soft delete. */
  async delete(id: string): Promise<void> {
    await this.changeOne(this.context.tenantId, id, 'delete', null);
  }

  /**
   * Who may do what to whom, and whether the state machine allows it; throws the domain error that
   * explains a refusal. Used before every change, and alone by dry runs.
   */
  plan(principal: Principal, user: User, action: LifecycleAction): TransitionOutcome {
    assertNotSelf(principal, user.id, SELF_WORDING[action]);
    assertMayManage(principal, user);
    const outcome = planTransition(user.status, action);
    if (outcome.kind === 'refused') throw new BusinessRuleViolation(outcome.reason);
    return outcome;
  }

  /**
   * Applies a planned change to users of one tenant inside the caller's transaction: a compare-and-set on
   * the status in one statement for all the users (a concurrent change makes a user drop out rather than be
   * overwritten), the revocations (API keys through their feature, whose in-process cache drops them at
   * once), one audit entry per user. Returns the ids that changed.
   */
  async applyMany(
    manager: EntityManager,
    tenantId: string,
    users: readonly User[],
    action: LifecycleAction,
    reason: string | null,
    metadata: Record<string, unknown> = {},
  ): Promise<Set<string>> {
    const { from, to } = TRANSITIONS[action];
    const previous = await this.users.setStatus(
      manager,
      tenantId,
      users.map((u) => u.id),
      from,
      to,
      reason,
    );
    const why = `user_${to}`;
    const revoking = REVOKING_ACTIONS.has(action);
    for (const [userId, was] of previous) {
      const sessions = revoking ? await this.sessions.revoke({ tenantId, userId }, why, manager) : [];
      const keys = revoking ? await this.apiKeys.revokeAllForUser(manager, tenantId, userId, why) : [];
      await this.audit.record(
        {
          tenantId,
          action: LIFECYCLE_AUDIT_ACTIONS[action],
          targetId: userId,
          metadata: {
            ...metadata,
            from: was,
            to,
            ...(reason ? { reason } : {}),
            sessionsRevoked: sessions.length,
            apiKeysRevoked: keys.length,
          },
        },
        manager,
      );
    }
    return new Set(previous.keys());
  }

  private async changeOne(tenantId: string, id: string, action: LifecycleAction, reason: string | null): Promise<void> {
    const principal = this.context.requirePrincipal();
    const user = await this.users.findById(tenantId, id);
    if (!user) throw new NotFound('User');
    if (this.plan(principal, user, action).kind === 'unchanged') return;
    const changed = await this.dataSource.transaction((manager) =>
      this.applyMany(manager, tenantId, [user], action, reason),
    );
    if (!changed.has(id)) throw new Conflict(CHANGED_MEANWHILE);
  }
}
