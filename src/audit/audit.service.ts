import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidationBus } from '../cache/invalidation-bus';
import { RequestContext } from '../common/context/request-context';
import { type Statement, shiftPlaceholders } from '../database/sql';

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
    await manager.query(`SELECT dm_audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, this.values(entry));
    this.recorded(entry);
  }

  /**
   * Runs a change (an INSERT/UPDATE/DELETE ... RETURNING) and appends the entry once for each row it
   * returns, as one statement: the change and its entry commit together, in a single round trip to the
   * database, without a transaction around them. No row changed, no entry. `alongside` are further
   * changes made in the same statement (whatever the main change returns). Returns the change's rows.
   */
  async recordWithChange<T>(
    change: Statement,
    entry: AuditEntry,
    o: { alongside?: Statement[]; manager?: EntityManager } = {},
  ): Promise<T[]> {
    const params = [...change.params];
    const ctes = [`change AS (${change.sql})`];
    for (const [i, other] of (o.alongside ?? []).entries()) {
      ctes.push(`alongside${i} AS (${shiftPlaceholders(other.sql, params.length)})`);
      params.push(...other.params);
    }
    const audit = this.values(entry).map((value) => `$${params.push(value)}`);
    const rows = await (o.manager ?? this.dataSource.manager).query<T[]>(
      `WITH ${ctes.join(', ')}
       SELECT change.*, dm_audit_append(${audit.join(', ')}) AS audit_entry_id FROM change`,
      params,
    );
    if (rows.length) this.recorded(entry);
    return rows;
  }

  private values(entry: AuditEntry): unknown[] {
    const actorId = entry.actorId === undefined ? (this.context.principal?.userId ?? null) : entry.actorId;
    return [
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
    ];
  }

  private recorded(entry: AuditEntry): void {
    // Every change to an account is audited with the account as its target, which makes this the one
    // place that can tell every instance to forget what it cached of that account.
    if (entry.targetId && (entry.targetType ?? 'user') === 'user') this.bus.publish('user', entry.targetId);
  }
}
