import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidationBus } from '../cache/invalidation-bus';
import { RequestContext } from '../common/context/request-context';
import { preparedLike } from '../database/prepared-statements';
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

/** An entry with the request's part of it resolved (AuditService.capture). */
export interface CapturedEntry {
  readonly entry: AuditEntry;
  readonly values: readonly unknown[];
}

/** The types of dm_audit_append's parameters, in the order of AuditService.values. */
const AUDIT_COLUMN_TYPES = ['uuid', 'text', 'uuid', 'uuid', 'text', 'text', 'text', 'text', 'boolean', 'jsonb'];

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
      preparedLike(
        [change.sql, ...(o.alongside ?? []).map((other) => other.sql)],
        `WITH ${ctes.join(', ')}
         SELECT change.*, dm_audit_append(${audit.join(', ')}) AS audit_entry_id FROM change`,
      ),
      params,
    );
    if (rows.length) this.recorded(entry);
    return rows;
  }

  /**
   * recordWithChange for many changes made by one statement: the change returns, for each row it changed,
   * the ordinal `i` (from 1) in `entries` of the entry that records it, and that entry is appended in the
   * same statement. Entries whose change touched no row append nothing. Returns the change's rows.
   */
  async recordEachWithChange<T extends { i: number }>(change: Statement, entries: CapturedEntry[]): Promise<T[]> {
    const params = [...change.params];
    const columns = entries.map((captured) => captured.values);
    const arrays = AUDIT_COLUMN_TYPES.map(
      (type, c) => `$${params.push(columns.map((values) => values[c]))}::${type}[]`,
    );
    const rows = await this.dataSource.query<T[]>(
      preparedLike(
        [change.sql],
        `WITH change AS (${change.sql})
       SELECT change.*, dm_audit_append(e.tenant, e.action, e.actor, e.target, e.target_type, e.ip, e.user_agent,
                                        e.request_id, e.success, e.metadata) AS audit_entry_id
         FROM change
         JOIN unnest(${arrays.join(', ')}) WITH ORDINALITY
              AS e(tenant, action, actor, target, target_type, ip, user_agent, request_id, success, metadata, i)
           ON e.i = change.i`,
      ),
      params,
    );
    for (const row of rows) this.recorded(entries[row.i - 1].entry);
    return rows;
  }

  /**
   * The entry with what it takes from the current request (actor, ip, user agent, request id) fixed now,
   * for an entry written later, outside the request's context (batched writes: recordEachWithChange).
   */
  capture(entry: AuditEntry): CapturedEntry {
    return { entry, values: this.values(entry) };
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
