import type { EntityManager } from 'typeorm';

/** One SQL statement with its parameters ($1 … $n), built by a repository for another service to run. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Runs an UPDATE or DELETE ... RETURNING and gives its rows. (TypeORM's postgres driver answers such
 * statements with `[rows, affectedCount]` rather than the rows themselves.)
 */
export async function updateReturning<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const result = await manager.query<unknown>(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/** The statement's placeholders shifted by `offset` ($1 becomes $(1 + offset)), to join it with others. */
export function shiftPlaceholders(sql: string, offset: number): string {
  return offset ? sql.replace(/\$(\d+)\b/g, (_, n: string) => `$${Number(n) + offset}`) : sql;
}

/**
 * Deletes up to `limit` rows of `table` for which `ended` (an SQL expression, indexed) is before `before`,
 * whatever tenant they belong to; returns how many. Rows another transaction holds are left for a later
 * batch, so a purge never waits on, or deadlocks with, the traffic that uses them.
 */
export async function deleteEndedBatch(
  manager: EntityManager,
  table: string,
  ended: string,
  before: Date,
  limit: number,
): Promise<number> {
  const [{ n }] = await manager.query<{ n: number }[]>(
    `WITH gone AS (
       DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM ${table} WHERE ${ended} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM gone`,
    [before, limit],
  );
  return n;
}

/**
 * Whether a failed statement was rolled back for a reason that may lie in one of the rows it wrote, so that
 * writing its rows one at a time can succeed for the others: a deadlock or serialization failure (another
 * transaction took the rows in another order), a value the database refused (data exception, integrity
 * constraint). Not for an unreachable database, a timeout or a lost connection: retrying those only waits
 * longer, and a lost connection may have committed.
 */
export function failedForItsRows(err: unknown): boolean {
  const failed = err as { driverError?: { code?: unknown }; code?: unknown } | undefined;
  const code = failed?.driverError?.code ?? failed?.code;
  return typeof code === 'string' && (code === '40P01' || code === '40001' || /^2[23]/.test(code));
}
