import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditRepository } from '../audit/audit.repository';
import { AuditService } from '../audit/audit.service';
import { ReauthenticationService } from '../auth/passwords/reauthentication.service';
import { RequestContext } from '../common/context/request-context';
import { BusinessRuleViolation, Forbidden, NotFound } from '../common/errors/domain-errors';
import { PLATFORM_USER_TYPES } from '../common/user-types';
import { SessionsService } from '../sessions/sessions.service';
import type { EraseSelfDto, ErasureResultDto } from './dto/erasure.dto';
import { PersonalDataRepository } from './personal-data.repository';

/**
 * GDPR art. 17. The account is anonymized in place rather than deleted: its id stays the pseudonymous
 * reference that audit entries point at, and the trail keeps every entry, with the personal request fields
 * (ip, user agent, request id) blanked. Everything happens in one transaction, with `gdpr.erased` in it.
 * A second erasure of the same user changes nothing and answers the same.
 */
@Injectable()
export class ErasureService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly data: PersonalDataRepository,
    private readonly auditEntries: AuditRepository,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly reauthentication: ReauthenticationService,
    private readonly context: RequestContext,
  ) {}

  /**
   * The caller erases their own account after confirming the password. Wrong passwords count towards the
   * account's lockout like failed logins, so a stolen access token cannot be used to guess the password.
   */
  async eraseSelf(dto: EraseSelfDto): Promise<void> {
    const { homeTenantId: tenantId, userId } = this.context.requirePrincipal();
    await this.reauthentication.confirm(
      { tenantId, userId, password: dto.password },
      { status: 403, auditAction: 'gdpr.erasure.refused' },
    );
    await this.erase(tenantId, userId);
  }

  /** An administrator erases a user of the acting tenant (a deleted one included). */
  eraseUser(userId: string): Promise<ErasureResultDto> {
    return this.erase(this.context.tenantId, userId);
  }

  private erase(tenantId: string, userId: string): Promise<ErasureResultDto> {
    const principal = this.context.requirePrincipal();
    const self = principal.userId === userId;
    return this.dataSource.transaction(async (m) => {
      const subject = await this.data.lockForErasure(m, tenantId, userId);
      if (!subject) throw new NotFound('User');
      if (subject.erased_at) return { id: userId, status: 'deleted', erasedAt: subject.erased_at.toISOString() };
      if (PLATFORM_USER_TYPES.includes(subject.user_type) && !PLATFORM_USER_TYPES.includes(principal.userType)) {
        throw new Forbidden('Only a platform administrator can erase a platform administrator');
      }
      if (subject.user_type === 'super_admin' && (await this.data.otherActiveSuperAdmins(m, userId)) === 0) {
        throw new BusinessRuleViolation('The last active super admin cannot be erased');
      }

      await this.data.blankKeptRecords(m, tenantId, userId, subject.email);
      await this.data.deletePersonalRows(m, tenantId, userId);
      await this.sessions.revoke({ tenantId, userId }, 'user_erased', m);
      await this.apiKeys.revokeAllForUser(m, tenantId, userId, 'user_erased');
      const erasedAt = await this.data.anonymizeAccount(m, tenantId, userId);
      // On self-erasure the erasure entry is the user's own request, so it is written before the blanking
      // and loses its ip/user agent like every other entry of theirs; an administrator's entry keeps them.
      if (self) await this.recordErasure(m, tenantId, userId, self);
      await this.auditEntries.blankPersonalFields(m, tenantId, userId);
      if (!self) await this.recordErasure(m, tenantId, userId, self);
      return { id: userId, status: 'deleted', erasedAt: erasedAt.toISOString() };
    });
  }

  private recordErasure(m: EntityManager, tenantId: string, userId: string, self: boolean): Promise<void> {
    return this.audit.record({ tenantId, action: 'gdpr.erased', targetId: userId, metadata: { self } }, m);
  }
}
