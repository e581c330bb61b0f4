import type { UserStatus, UserType } from '../../common/user-types';
import type { SortField, SortOrder } from './search-users.dto';

/** A search, parsed and checked: what the SQL is built from. */
export interface SearchCriteria {
  /** Each must occur in the user's search text (after lower + unaccent, like the column). */
  words: string[];
  userType?: UserType;
  status?: UserStatus;
  isActive?: boolean;
  role?: string;
  createdFrom?: Date;
  createdTo?: Date;
  lastLoginFrom?: Date;
  lastLoginTo?: Date;
  sortBy: SortField;
  sortOrder: SortOrder;
}

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/** The position to continue after, in keyset mode. */
export interface Keyset {
  key: string | null;
  id: string;
}

interface SortColumn {
  /** The expression ordered by; each matches an index `(tenant_id, <expr>, id)` of the migrations. */
  expr: string;
  type: 'timestamptz' | 'text';
  nullable: boolean;
}

const SORT_COLUMNS: Record<SortField, SortColumn> = {
  createdAt: { expr: 'u.created_at', type: 'timestamptz', nullable: false },
  username: { expr: 'lower(u.username)', type: 'text', nullable: false },
  email: { expr: 'lower(u.email)', type: 'text', nullable: false },
  lastName: { expr: 'lower(u.last_name)', type: 'text', nullable: false },
  lastLoginAt: { expr: 'u.last_login_at', type: 'timestamptz', nullable: true },
};

class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    return `$${this.values.push(value)}`;
  }
}

/**
 * The filters, as SQL over `users_v2 u`. Every query word goes through dm_search_text (the function of the
 * generated column), then LIKE's own wildcards are escaped, so `%` and `_` match themselves and the
 * trigram index `users_v2_search_trgm (tenant_id, search_text)` answers the substring test.
 */
function conditions(tenantId: string, c: SearchCriteria, p: Params): string[] {
  const where = [`u.tenant_id = ${p.add(tenantId)}`];
  where.push(c.status === 'deleted' ? `u.deleted_at IS NOT NULL` : `u.deleted_at IS NULL`);
  for (const word of c.words) {
    where.push(
      `u.search_text LIKE '%' || replace(replace(replace(dm_search_text(${p.add(word)}::text), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`,
    );
  }
  if (c.userType) where.push(`u.user_type = ${p.add(c.userType)}`);
  if (c.status) where.push(`u.status = ${p.add(c.status)}`);
  if (c.isActive !== undefined) where.push(c.isActive ? `u.status = 'active'` : `u.status <> 'active'`);
  if (c.role) {
    const role = p.add(c.role.toLowerCase());
    where.push(
      `(u.user_type = ${role} OR EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
          WHERE ur.tenant_id = u.tenant_id AND ur.user_id = u.id AND lower(r.name) = ${role}))`,
    );
  }
  if (c.createdFrom) where.push(`u.created_at >= ${p.add(c.createdFrom)}`);
  if (c.createdTo) where.push(`u.created_at <= ${p.add(c.createdTo)}`);
  if (c.lastLoginFrom) where.push(`u.last_login_at >= ${p.add(c.lastLoginFrom)}`);
  if (c.lastLoginTo) where.push(`u.last_login_at <= ${p.add(c.lastLoginTo)}`);
  return where;
}

function select(columns: string, sort: SortColumn, where: string[]): string {
  return `SELECT ${columns}, (${sort.expr})::text AS "sortKey" FROM users_v2 u WHERE ${where.join(' AND ')}`;
}

/** How many users match (for `total`). */
export function countQuery(tenantId: string, c: SearchCriteria): SqlQuery {
  const p = new Params();
  const where = conditions(tenantId, c, p);
  return { sql: `SELECT count(*)::int AS total FROM users_v2 u WHERE ${where.join(' AND ')}`, params: p.values };
}

/**
 * One page by offset: ORDER BY the sort key (NULLs last in both directions), then id, so the order is
 * total and stable. Fetches `limit` rows (ask for one more than the page to learn whether another follows).
 */
export function offsetQuery(
  tenantId: string,
  c: SearchCriteria,
  columns: string,
  limit: number,
  offset: number,
): SqlQuery {
  const p = new Params();
  const sort = SORT_COLUMNS[c.sortBy];
  const dir = c.sortOrder === 'asc' ? 'ASC' : 'DESC';
  const nulls = sort.nullable ? ' NULLS LAST' : '';
  const sql =
    select(columns, sort, conditions(tenantId, c, p)) +
    ` ORDER BY ${sort.expr} ${dir}${nulls}, u.id ${dir} LIMIT ${p.add(limit)} OFFSET ${p.add(offset)}`;
  return { sql, params: p.values };
}

/**
 * The page after `after` by keyset: a row comparison `(key, id) > (k, i)` that the `(tenant_id, key, id)`
 * index answers by seeking, so page 5,000 costs what page 2 costs. A nullable key (lastLoginAt) is read
 * in two phases, non-NULL keys first, then NULL keys by id, each of them an index range: this returns one
 * or two queries, to run in order until `limit` rows are collected.
 */
export function keysetQueries(
  tenantId: string,
  c: SearchCriteria,
  columns: string,
  limit: number,
  after: Keyset,
): SqlQuery[] {
  const sort = SORT_COLUMNS[c.sortBy];
  const dir = c.sortOrder === 'asc' ? 'ASC' : 'DESC';
  const cmp = c.sortOrder === 'asc' ? '>' : '<';
  const queries: SqlQuery[] = [];

  if (after.key !== null) {
    const p = new Params();
    const where = conditions(tenantId, c, p);
    if (sort.nullable) where.push(`${sort.expr} IS NOT NULL`);
    where.push(`(${sort.expr}, u.id) ${cmp} (${p.add(after.key)}::${sort.type}, ${p.add(after.id)}::uuid)`);
    queries.push({
      sql: `${select(columns, sort, where)} ORDER BY ${sort.expr} ${dir}, u.id ${dir} LIMIT ${p.add(limit)}`,
      params: p.values,
    });
  }
  if (sort.nullable) {
    const p = new Params();
    const where = conditions(tenantId, c, p);
    where.push(`${sort.expr} IS NULL`);
    if (after.key === null) where.push(`u.id ${cmp} ${p.add(after.id)}::uuid`);
    queries.push({
      sql: `${select(columns, sort, where)} ORDER BY u.id ${dir} LIMIT ${p.add(limit)}`,
      params: p.values,
    });
  }
  return queries;
}

/** The query words: split on white space, duplicates dropped. */
export function queryWords(query: string | undefined): string[] {
  if (!query) return [];
  return [...new Set(query.trim().split(/\s+/u).filter(Boolean))];
}
