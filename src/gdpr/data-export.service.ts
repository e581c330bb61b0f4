import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { toAuditEntryDto } from '../audit/audit.mapper';
import { AuditRepository } from '../audit/audit.repository';
import { RequestContext } from '../common/context/request-context';
import { FieldCipher } from '../common/crypto/field-cipher';
import { NotFound } from '../common/errors/domain-errors';
import { ConsentsRepository } from './consents.repository';
import type { ExportedContactInfoDto, UserExportDto } from './dto/export.dto';
import {
  toConsentRecord,
  toExportedAccount,
  toExportedApiKey,
  toExportedInvitation,
  toExportedMfaMethod,
  toExportedPreferences,
  toExportedProfile,
  toExportedSession,
  toExportedTrustedDevice,
} from './export.mapper';
import { ContactInfoRow, PersonalDataRepository } from './personal-data.repository';

/** GDPR art. 15/20: every record held about one user, as one JSON document, without any secret. */
@Injectable()
export class DataExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly data: PersonalDataRepository,
    private readonly consents: ConsentsRepository,
    private readonly auditEntries: AuditRepository,
    private readonly audit: AuditService,
    private readonly cipher: FieldCipher,
    private readonly context: RequestContext,
  ) {}

  exportSelf(): Promise<UserExportDto> {
    const { homeTenantId, userId } = this.context.requirePrincipal();
    return this.export(homeTenantId, userId);
  }

  /** An administrator's export of a user of the acting tenant (deleted and erased users included). */
  exportUser(userId: string): Promise<UserExportDto> {
    return this.export(this.context.tenantId, userId);
  }

  /**
   * One transaction at REPEATABLE READ on one connection: every section is read from the same snapshot,
   * and the `gdpr.exported` entry written first is part of the export it records.
   */
  private export(tenantId: string, userId: string): Promise<UserExportDto> {
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      const account = await this.data.account(m, tenantId, userId);
      if (!account) throw new NotFound('User');
      await this.audit.record({ tenantId, action: 'gdpr.exported', targetId: userId }, m);
      const contact = await this.data.contactInfo(m, tenantId, userId);
      const profile = await this.data.profile(m, tenantId, userId);
      const preferences = await this.data.preferences(m, tenantId, userId);
      return {
        exportedAt: new Date().toISOString(),
        account: toExportedAccount(account),
        roles: (await this.data.roles(m, tenantId, userId)).map((r) => ({
          name: r.name,
          grantedAt: r.created_at.toISOString(),
        })),
        profile: profile ? toExportedProfile(profile) : null,
        contactInfo: contact ? this.decryptContactInfo(contact) : null,
        preferences: preferences ? toExportedPreferences(preferences) : null,
        sessions: (await this.data.sessions(m, tenantId, userId)).map(toExportedSession),
        trustedDevices: (await this.data.trustedDevices(m, tenantId, userId)).map(toExportedTrustedDevice),
        consents: (await this.consents.list(tenantId, userId, m)).map(toConsentRecord),
        mfaMethods: (await this.data.mfaMethods(m, tenantId, userId)).map(toExportedMfaMethod),
        apiKeys: (await this.data.apiKeys(m, tenantId, userId)).map(toExportedApiKey),
        invitationsSent: (await this.data.invitationsSent(m, tenantId, userId)).map(toExportedInvitation),
        invitationsReceived: (await this.data.invitationsReceived(m, tenantId, userId, account.email)).map(
          toExportedInvitation,
        ),
        auditEntries: (await this.auditEntries.aboutUser(tenantId, userId, m)).map(toAuditEntryDto),
      };
    });
  }

  private decryptContactInfo(r: ContactInfoRow): ExportedContactInfoDto {
    const d = (v: string | null) => this.cipher.decrypt(v);
    return {
      phone: d(r.phone_enc),
      mobilePhone: d(r.mobile_phone_enc),
      addressLine1: d(r.address_line1_enc),
      addressLine2: d(r.address_line2_enc),
      city: d(r.city_enc),
      state: d(r.state_enc),
      postalCode: d(r.postal_code_enc),
      country: d(r.country_enc),
      dateOfBirth: d(r.date_of_birth_enc),
      updatedAt: r.updated_at.toISOString(),
    };
  }
}
