import type { AuditRow } from './audit.repository';
import type { AuditEntryDto } from './dto/audit-entry.dto';

/** What a reader sees of an entry: never the chain's internals (seq, hashes, digest). */
export function toAuditEntryDto(row: AuditRow): AuditEntryDto {
  return {
    id: row.id,
    action: row.action,
    actorId: row.actor_id,
    targetId: row.target_id,
    tenantId: row.tenant_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    requestId: row.request_id,
    success: row.success,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
  };
}
