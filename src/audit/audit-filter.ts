import { BadInput } from '../common/errors/domain-errors';
import { AUDIT_DEFAULT_PAGE_SIZE, type AuditQueryDto } from './dto/audit-query.dto';

/** What GET /audit searches for, with the text of the query turned into values the repository can use. */
export interface AuditFilter {
  userId?: string;
  actorId?: string;
  targetId?: string;
  /** Exact action name. */
  action?: string;
  /** Every action starting with this (always ends in a dot). */
  actionPrefix?: string;
  from?: Date;
  /** Exclusive upper bound. */
  before?: Date;
  offset: number;
  limit: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
const DAY_MS = 86_400_000;

/**
 * An ISO-8601 instant; a date-time without an offset is read as UTC (never as the server's local time).
 * A date alone is the start of that UTC day, or, as an upper bound, the whole of it.
 */
export function parseInstant(value: string, field: string, asUpperBound: boolean): Date {
  const dateOnly = DATE_ONLY.test(value);
  const text = dateOnly || HAS_ZONE.test(value) ? value : `${value}Z`;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new BadInput(`${field} is not a valid date`);
  if (!asUpperBound) return at;
  // `to` is inclusive: up to the end of the day for a date, up to and including the millisecond otherwise.
  return new Date(at.getTime() + (dateOnly ? DAY_MS : 1));
}

export function toAuditFilter(q: AuditQueryDto): AuditFilter {
  const pageSize = q.pageSize ?? AUDIT_DEFAULT_PAGE_SIZE;
  const page = q.page ?? 1;
  const from = q.from === undefined ? undefined : parseInstant(q.from, 'from', false);
  const before = q.to === undefined ? undefined : parseInstant(q.to, 'to', true);
  if (from && before && from >= before) throw new BadInput('from must not be after to');
  const prefix = q.action?.endsWith('.*') ? q.action.slice(0, -1) : undefined;
  return {
    userId: q.userId,
    actorId: q.actorId,
    targetId: q.targetId,
    action: prefix === undefined ? q.action : undefined,
    actionPrefix: prefix,
    from,
    before,
    offset: (page - 1) * pageSize,
    limit: pageSize,
  };
}
