import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditFilter } from './audit-filter';
import type { ChainProblem } from './dto/audit-entry.dto';

export interface AuditRow {
  id: string;
  tenant_id: string;
  action: string;
  actor_id: string | null;
  target_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  success: boolean;
  metadata: Record<string, unknown>;
  created_at: Date;
}

export interface ChainVerdict {
  checked: number;
  firstBrokenId: string | null;
  problem: ChainProblem | null;
}

export interface PurgedRange {
  purged: number;
  throughSeq: string;
}

const ENTRY_COLUMNS = `id, tenant_id, action, actor_id, target_id, ip_address, user_agent, request_id, success, metadata, created_at`;

/**
 * One pass over the tenant's sealed chain in sequence order (the (tenant_id, seq) index), starting after the
 * latest retention checkpoint: each entry must follow the previous one without a gap, carry the previous
 * hash, hash to its stored hash, and, unless erasure blanked them, have personal fields matching pii_digest.
 * The last entry must be the tenant's head, or entries were cut off the end. Entries not sealed yet are not
 * part of the chain. Statement-level snapshot: a concurrent seal or purge is either wholly seen or not at all.
 */
const VERIFY_SQL = `
  WITH start AS (
    SELECT coalesce(cp.seq, 0) AS seq, coalesce(cp.hash, 'genesis') AS hash
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (
        SELECT seq, hash FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1
      ) cp ON true
  ), chain AS (
    SELECT a.id, a.seq, a.hash,
      CASE
        WHEN a.seq <> coalesce(lag(a.seq) OVER w, s.seq) + 1 THEN 'sequence_gap'
        WHEN a.prev_hash <> coalesce(lag(a.hash) OVER w, s.hash) THEN 'broken_link'
        WHEN a.hash <> dm_audit_hash(a.prev_hash, a.tenant_id, a.seq, a.action, a.actor_id, a.target_id,
          a.target_type, a.success, a.metadata, a.created_at, a.pii_digest) THEN 'hash_mismatch'
        WHEN NOT (a.ip_address IS NULL AND a.user_agent IS NULL AND a.request_id IS NULL)
          AND a.pii_digest <> encode(sha256(convert_to(concat_ws('|', coalesce(a.ip_address, ''),
            coalesce(a.user_agent, ''), coalesce(a.request_id, '')), 'UTF8')), 'hex') THEN 'personal_fields_mismatch'
      END AS problem,
      lead(a.seq) OVER w IS NULL AS is_last
    FROM audit_log a CROSS JOIN start s
    WHERE a.tenant_id = $1 AND a.seq IS NOT NULL
    WINDOW w AS (ORDER BY a.seq)
  ), verdict AS (
    SELECT count(*)::bigint AS checked,
      (array_agg(id ORDER BY seq) FILTER (WHERE problem IS NOT NULL))[1] AS broken_id,
      (array_agg(problem ORDER BY seq) FILTER (WHERE problem IS NOT NULL))[1] AS problem,
      max(seq) FILTER (WHERE is_last) AS last_seq,
      max(hash) FILTER (WHERE is_last) AS last_hash
    FROM chain
  )
  SELECT v.checked, v.broken_id, v.problem,
    (h.tenant_id IS NOT NULL
      AND h.seq > (SELECT seq FROM start)
      AND (v.last_seq IS DISTINCT FROM h.seq OR v.last_hash IS DISTINCT FROM h.hash)) AS head_mismatch
  FROM verdict v LEFT JOIN audit_heads h ON h.tenant_id = $1`;

/** Reads of the audit trail, its verification, and the three narrow writes the trigger allows. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async search(tenantId: string, f: AuditFilter): Promise<{ rows: AuditRow[]; total: number }> {
    const params: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (f.userId) {
      const p = param(f.userId);
      where.push(`(actor_id = ${p} OR target_id = ${p})`);
    }
    if (f.actorId) where.push(`actor_id = ${param(f.actorId)}`);
    if (f.targetId) where.push(`target_id = ${param(f.targetId)}`);
    if (f.action) where.push(`action = ${param(f.action)}`);
    if (f.actionPrefix) where.push(`starts_with(action, ${param(f.actionPrefix)})`);
    if (f.from) where.push(`created_at >= ${param(f.from)}`);
    if (f.before) where.push(`created_at < ${param(f.before)}`);
    const condition = where.join(' AND ');
    const [counted] = await this.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM audit_log WHERE ${condition}`,
      params,
    );
    if (counted.total <= f.offset) return { rows: [], total: counted.total };
    const rows = await this.dataSource.query<AuditRow[]>(
      `SELECT ${ENTRY_COLUMNS} FROM audit_log WHERE ${condition}
        ORDER BY created_at DESC, id DESC LIMIT ${param(f.limit)} OFFSET ${param(f.offset)}`,
      params,
    );
    return { rows, total: counted.total };
  }

  /** Every entry whose actor or target is the user, oldest first (for an export), sealed or not. */
  aboutUser(tenantId: string, userId: string, manager?: EntityManager): Promise<AuditRow[]> {
    return (manager ?? this.dataSource.manager).query<AuditRow[]>(
      `SELECT ${ENTRY_COLUMNS} FROM audit_log WHERE tenant_id = $1 AND (actor_id = $2 OR target_id = $2)
        ORDER BY created_at, id`,
      [tenantId, userId],
    );
  }

  /** Long chains take a while (about 10-20 µs an entry), longer than the pool's default statement timeout. */
  async verify(tenantId: string): Promise<ChainVerdict> {
    const [row] = await this.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL statement_timeout = '10min'`);
      return m.query<
        { checked: string; broken_id: string | null; problem: ChainProblem | null; head_mismatch: boolean | null }[]
      >(VERIFY_SQL, [tenantId]);
    });
    const checked = Number(row.checked);
    if (row.broken_id) return { checked, firstBrokenId: row.broken_id, problem: row.problem };
    if (row.head_mismatch) return { checked, firstBrokenId: null, problem: 'head_mismatch' };
    return { checked, firstBrokenId: null, problem: null };
  }

  /**
   * Links up to `limit` of the tenant's unsealed entries, oldest first, into its chain; returns how many.
   * Without `wait` it returns 0 at once when another sealer holds the tenant's chain head.
   */
  async seal(tenantId: string, limit: number, wait: boolean): Promise<number> {
    const [{ sealed }] = await this.dataSource.query<{ sealed: number }[]>(
      `SELECT dm_audit_seal($1, $2, $3) AS sealed`,
      [tenantId, limit, wait],
    );
    return sealed;
  }

  /** Tenants with entries waiting to be sealed (the partial index audit_log_unsealed holds only those). */
  async tenantsWithUnsealedEntries(): Promise<string[]> {
    const rows = await this.dataSource.query<{ tenant_id: string }[]>(
      `SELECT DISTINCT tenant_id FROM audit_log WHERE seq IS NULL`,
    );
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Blanks ip, user agent and request id of every entry the user acted in or was the subject of. The
   * trigger allows this one UPDATE (and nothing else) while dm.audit_erase is set in this transaction.
   */
  async blankPersonalFields(manager: EntityManager, tenantId: string, userId: string): Promise<void> {
    await manager.query(`SELECT set_config('dm.audit_erase', 'on', true)`);
    await manager.query(
      `UPDATE audit_log SET ip_address = NULL, user_agent = NULL, request_id = NULL
        WHERE tenant_id = $1 AND (actor_id = $2 OR target_id = $2)
          AND (ip_address IS NOT NULL OR user_agent IS NOT NULL OR request_id IS NOT NULL)`,
      [tenantId, userId],
    );
    await manager.query(`SELECT set_config('dm.audit_erase', 'off', true)`);
  }

  /** Tenants that have entries created before the cutoff. */
  async tenantsWithEntriesBefore(cutoff: Date): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT t.id FROM tenants t
        WHERE EXISTS (SELECT 1 FROM audit_log a WHERE a.tenant_id = t.id AND a.created_at < $1)
        ORDER BY t.id`,
      [cutoff],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Deletes the longest run of the tenant's sealed chain, from its start, whose entries were all created
   * before the cutoff, and leaves a checkpoint (the last purged entry's seq and hash) for verification to
   * start from. Chain order is sealing order, which can differ a little from creation order (a transaction
   * that commits late is sealed late), so an expired entry sealed after a newer one waits for the next purge
   * rather than taking the newer one with it. Unsealed entries are never touched: the caller seals first.
   * Another instance purging the same tenant at the same time makes this one skip it (undefined).
   */
  async purgeBefore(manager: EntityManager, tenantId: string, cutoff: Date): Promise<PurgedRange | undefined> {
    const [{ locked }] = await manager.query<{ locked: boolean }[]>(
      `SELECT pg_try_advisory_xact_lock(hashtextextended('dm.audit_purge:' || $1::text, 0)) AS locked`,
      [tenantId],
    );
    if (!locked) return undefined;
    const [last] = await manager.query<{ seq: string; hash: string }[]>(
      `SELECT seq, hash FROM audit_log
        WHERE tenant_id = $1 AND seq IS NOT NULL AND created_at < $2
          AND seq < coalesce((SELECT min(seq) FROM audit_log WHERE tenant_id = $1 AND seq IS NOT NULL AND created_at >= $2),
                             9223372036854775807)
        ORDER BY seq DESC LIMIT 1`,
      [tenantId, cutoff],
    );
    if (!last) return undefined;
    await manager.query(`SET LOCAL statement_timeout = '10min'`);
    await manager.query(`SET LOCAL dm.audit_purge = 'on'`);
    const [{ purged }] = await manager.query<{ purged: string }[]>(
      `WITH gone AS (DELETE FROM audit_log WHERE tenant_id = $1 AND seq <= $2 RETURNING 1)
       SELECT count(*)::bigint AS purged FROM gone`,
      [tenantId, last.seq],
    );
    await manager.query(`SET LOCAL dm.audit_purge = 'off'`);
    await manager.query(`INSERT INTO audit_checkpoints (tenant_id, seq, hash, purged_count) VALUES ($1, $2, $3, $4)`, [
      tenantId,
      last.seq,
      last.hash,
      purged,
    ]);
    return { purged: Number(purged), throughSeq: last.seq };
  }
}
