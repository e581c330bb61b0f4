import { Injectable } from '@nestjs/common';
import { RequestContext } from '../common/context/request-context';
import { toAuditFilter } from './audit-filter';
import { toAuditEntryDto } from './audit.mapper';
import { AuditRepository } from './audit.repository';
import type { AuditPageDto, AuditVerificationDto } from './dto/audit-entry.dto';
import type { AuditQueryDto } from './dto/audit-query.dto';

/** The read side of the trail: search and chain verification, always in the acting tenant. */
@Injectable()
export class AuditTrailService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly context: RequestContext,
  ) {}

  async search(query: AuditQueryDto): Promise<AuditPageDto> {
    const filter = toAuditFilter(query);
    const { rows, total } = await this.audit.search(this.context.tenantId, filter);
    return {
      items: rows.map(toAuditEntryDto),
      total,
      page: filter.offset / filter.limit + 1,
      pageSize: filter.limit,
    };
  }

  async verify(): Promise<AuditVerificationDto> {
    const verdict = await this.audit.verify(this.context.tenantId);
    if (!verdict.problem) return { intact: true, checked: verdict.checked };
    return {
      intact: false,
      checked: verdict.checked,
      ...(verdict.firstBrokenId ? { firstBrokenId: verdict.firstBrokenId } : {}),
      reason: verdict.problem,
    };
  }
}
