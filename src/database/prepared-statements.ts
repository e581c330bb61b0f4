import { Client, type ClientConfig } from 'pg';

/** The SQL texts marked hot, and the name each is prepared under. */
const names = new Map<string, string>();

/**
 * Marks a statement text as hot: each pooled connection then has PostgreSQL parse it once and keep it as a
 * named prepared statement, so that a run skips the parsing and, once PostgreSQL has found its generic plan
 * as good as a fresh one (after five runs), the planning too. Only for texts that never change: a text
 * built per call (lists of values, optional filters) must not be marked, or each variant would stay
 * prepared on every connection. Returns the text.
 */
export function prepared(sql: string): string {
  if (!names.has(sql)) names.set(sql, `dm_${names.size + 1}`);
  return sql;
}

/**
 * `sql`, marked hot when every statement it is built from is: a statement built around hot ones (an audited
 * change) is hot too, and one that contains a text built per call is not.
 */
export function preparedLike(parts: string[], sql: string): string {
  return parts.every((part) => names.has(part)) ? prepared(sql) : sql;
}

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * The pool's client: runs the texts marked by `prepared` as named prepared statements, everything else as
 * usual. (TypeORM passes every query as text and values, so it logs and reports them the same way.)
 */
export class PreparingClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    const query = this.query.bind(this) as Query;
    /** Names this connection runs unprepared from now on (see below). */
    const stale = new Set<string>();
    (this as unknown as { query: Query }).query = (config, values, callback) => {
      const name = typeof config === 'string' && Array.isArray(values) ? names.get(config) : undefined;
      if (!name || stale.has(name) || callback !== undefined) return query(config, values, callback);
      return (query({ name, text: config, values }) as Promise<unknown>).catch((err: unknown) => {
        // A migration changed the type of a column the statement returns while this connection kept it
        // prepared (an instance still serving during a rolling deploy): PostgreSQL refuses the kept plan
        // for good. This connection runs it unprepared from now on; new connections prepare it afresh.
        if (!isStalePlan(err)) throw err;
        stale.add(name);
        return query(config, values);
      });
    };
  }
}

function isStalePlan(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan');
}
