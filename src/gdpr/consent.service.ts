import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { BusinessRuleViolation } from '../common/errors/domain-errors';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import { ConsentsRepository } from './consents.repository';
import {
  CONSENT_DOCUMENTS,
  type AcceptConsentDto,
  type ConsentDocument,
  type ConsentStatusDto,
} from './dto/consent.dto';
import { toConsentRecord } from './export.mapper';

/**
 * Terms and privacy acceptances. The tenant's settings name the current version of each document
 * (`consentVersions`); a user who has not accepted the current version of both must consent again.
 */
@Injectable()
export class ConsentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consents: ConsentsRepository,
    private readonly policies: TenantPolicyService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  /** For the login answer: true when the user has not accepted the tenant's current terms or privacy version. */
  async consentRequired(tenantId: string, userId: string): Promise<boolean> {
    return (await this.outstanding(tenantId, userId)).length > 0;
  }

  async status(): Promise<ConsentStatusDto> {
    const { homeTenantId: tenantId, userId } = this.context.requirePrincipal();
    const [rows, outstanding, current] = await Promise.all([
      this.consents.list(tenantId, userId),
      this.outstanding(tenantId, userId),
      this.currentVersions(tenantId),
    ]);
    return {
      consents: rows.map(toConsentRecord),
      currentVersions: current,
      consentRequired: outstanding.length > 0,
      outstanding,
    };
  }

  /** Accepts the current version of a document; accepting one already accepted records nothing new. */
  async accept(dto: AcceptConsentDto): Promise<ConsentStatusDto> {
    const { homeTenantId: tenantId, userId } = this.context.requirePrincipal();
    const current = await this.currentVersions(tenantId);
    if (dto.version !== current[dto.document]) {
      throw new BusinessRuleViolation(
        `Only the current ${dto.document} version can be accepted: "${current[dto.document]}"`,
      );
    }
    const accepted = await this.consents.acceptedOf(tenantId, userId, current);
    if (!accepted.includes(dto.document)) {
      await this.dataSource.transaction(async (manager) => {
        await this.consents.insert(manager, {
          tenantId,
          userId,
          document: dto.document,
          version: dto.version,
          ip: this.context.ip ?? null,
        });
        await this.audit.record(
          {
            tenantId,
            action: 'consent.accepted',
            targetId: userId,
            metadata: { document: dto.document, version: dto.version },
          },
          manager,
        );
      });
    }
    return this.status();
  }

  private async currentVersions(tenantId: string): Promise<Record<ConsentDocument, string>> {
    return (await this.policies.policyFor(tenantId)).consentVersions;
  }

  private async outstanding(tenantId: string, userId: string): Promise<ConsentDocument[]> {
    const accepted = await this.consents.acceptedOf(tenantId, userId, await this.currentVersions(tenantId));
    return CONSENT_DOCUMENTS.filter((d) => !accepted.includes(d));
  }
}
