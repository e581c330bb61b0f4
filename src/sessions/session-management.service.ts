import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { NotFound } from '../common/errors/domain-errors';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import { UsersRepository } from '../users/users.repository';
import type { SessionListDto, SessionPageQueryDto } from './dto/session.dto';
import { toSessionDto } from './sessions.mapper';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

const DEFAULT_PAGE_SIZE = 50;

/** What a user can see and end of their own sessions, and an administrator of another user's. */
@Injectable()
export class SessionManagementService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsService,
    private readonly repository: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly policies: TenantPolicyService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  listOwn(query: SessionPageQueryDto): Promise<SessionListDto> {
    const principal = this.context.requirePrincipal();
    return this.list(principal.homeTenantId, principal.userId, query);
  }

  /** Ends one of the caller's sessions (the current one too: that is a logout); another's is 404. */
  async revokeOwn(sessionId: string): Promise<void> {
    const principal = this.context.requirePrincipal();
    const revoked = await this.revokeAudited(
      { tenantId: principal.homeTenantId, userId: principal.userId, sessionId },
      'revoked_by_user',
    );
    if (!revoked.length) throw new NotFound('Session');
  }

  /** Ends every session of the caller but the one making the request. */
  async revokeOthers(): Promise<void> {
    const principal = this.context.requirePrincipal();
    await this.revokeAudited(
      { tenantId: principal.homeTenantId, userId: principal.userId, exceptSessionId: principal.sessionId },
      'revoked_by_user',
    );
  }

  async listForUser(userId: string, query: SessionPageQueryDto): Promise<SessionListDto> {
    const tenantId = await this.requireUserInActingTenant(userId);
    return this.list(tenantId, userId, query);
  }

  /** An administrator ends every session of a user of the acting tenant. */
  async revokeAllForUser(userId: string): Promise<void> {
    const tenantId = await this.requireUserInActingTenant(userId);
    await this.revokeAudited({ tenantId, userId }, 'revoked_by_admin');
  }

  private async list(tenantId: string, userId: string, query: SessionPageQueryDto): Promise<SessionListDto> {
    const page = query.page ?? 1;
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    const { sessionTimeoutMinutes } = await this.policies.policyFor(tenantId);
    const { items, total } = await this.repository.listActive(tenantId, userId, {
      offset: (page - 1) * pageSize,
      limit: pageSize,
      idleTimeoutMinutes: sessionTimeoutMinutes,
    });
    const current = this.context.principal?.sessionId;
    return { items: items.map((s) => toSessionDto(s, current)), total, page, pageSize };
  }

  private async requireUserInActingTenant(userId: string): Promise<string> {
    const tenantId = this.context.tenantId;
    if (!(await this.users.findById(tenantId, userId))) throw new NotFound('User');
    return tenantId;
  }

  private revokeAudited(
    where: { tenantId: string; userId: string; sessionId?: string; exceptSessionId?: string },
    reason: string,
  ): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const ids = await this.sessions.revoke(where, reason, manager);
      if (ids.length) {
        await this.audit.record(
          {
            tenantId: where.tenantId,
            action: 'session.revoked',
            targetId: where.userId,
            metadata: { sessionIds: ids, reason },
          },
          manager,
        );
      }
      return ids;
    });
  }
}
