import { Injectable } from '@nestjs/common';
import { RequestContext } from '../common/context/request-context';
import { toAuditFilter } from './audit-filter';
import { toAuditEntryDto } from './audit.mapper';
import { AuditRepository } from './audit.repository';
import { AuditSealer } from './audit-sealer.service';
import type { AuditPageDto, AuditVerificationDto } from './dto/audit-entry.dto';
import type { AuditQueryDto } from './dto/audit-query.dto';

/** The read side of the trail: search and chain verification, always in the acting tenant. */
@Injectable()
export class AuditTrailService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly sealer: AuditSealer,
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

  /** Seals first, so the check covers every entry committed before the call. */
  async verify(): Promise<AuditVerificationDto> {
    const tenantId = this.context.tenantId;
    await this.sealer.sealTenant(tenantId);
    const verdict = await this.audit.verify(tenantId);
    if (!verdict.problem) return { intact: true, checked: verdict.checked };
    return {
      intact: false,
      checked: verdict.checked,
      ...(verdict.firstBrokenId ? { firstBrokenId: verdict.firstBrokenId } : {}),
      reason: verdict.problem,
    };
  }
}
