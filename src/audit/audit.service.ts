import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidationBus } from '../cache/invalidation-bus';
import { RequestContext } from '../common/context/request-context';

export interface AuditEntry {
  action: string;
  tenantId: string;
  /** Defaults to the request's principal. */
  actorId?: string | null;
  targetId?: string | null;
  targetType?: string;
  success?: boolean;
  /** Never secrets, never personal data beyond ids: the trail outlives erasure. */
  metadata?: Record<string, unknown>;
}

/**
 * The one way anything is written to the audit trail. Pass the transaction's manager so that the entry
 * commits or rolls back with the change it records.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly bus: InvalidationBus,
  ) {}

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const actorId = entry.actorId === undefined ? (this.context.principal?.userId ?? null) : entry.actorId;
    await manager.query(`SELECT dm_audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
      entry.tenantId,
      entry.action,
      actorId,
      entry.targetId ?? null,
      entry.targetType ?? (entry.targetId ? 'user' : null),
      this.context.ip ?? null,
      this.context.userAgent ?? null,
      this.context.requestId ?? null,
      entry.success ?? true,
      JSON.stringify(entry.metadata ?? {}),
    ]);
    // Every change to an account is audited with the account as its target, which makes this the one
    // place that can tell every instance to forget what it cached of that account.
    if (entry.targetId && (entry.targetType ?? 'user') === 'user') this.bus.publish('user', entry.targetId);
  }
}
