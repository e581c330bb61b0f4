import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { RequestContext } from '../../common/context/request-context';
import { BusinessRuleViolation, Conflict, NotFound } from '../../common/errors/domain-errors';
import { NotificationsService } from '../../notifications/notifications.service';
import { PrivilegeService } from '../../rbac/privilege.service';
import { RoleAssignmentService } from '../../rbac/role-assignment.service';
import { hashToken } from '../../sessions/sessions.service';
import { TenantPolicyService } from '../../tenants/tenant-policy.service';
import { TenantResolver } from '../../tenants/tenant-resolver';
import { UsersRepository } from '../users.repository';
import {
  CreateInvitationDto,
  InvitationDto,
  InvitationPageDto,
  InvitationStatus,
  ListInvitationsQuery,
} from './invitation.dto';
import { Invitation } from '../entities/invitation.entity';
import { InvitationsRepository } from './invitations.repository';

export const INVITATION_TTL_DAYS = 7;

export function invitationStatus(i: Invitation, now = new Date()): InvitationStatus {
  if (i.acceptedAt) return 'accepted';
  if (i.revokedAt) return 'revoked';
  return i.expiresAt <= now ? 'expired' : 'pending';
}

function toInvitationDto(i: Invitation): InvitationDto {
  return {
    id: i.id,
    email: i.email,
    userType: i.userType,
    roles: i.roles,
    expiresAt: i.expiresAt.toISOString(),
    status: invitationStatus(i),
    invitedBy: i.invitedBy,
    createdAt: i.createdAt.toISOString(),
  };
}

/**
 * Invitations by email: a random token, stored only as its sha256, valid for 7 days and once; it leaves the
 * service only through the notification port. Accepting is POST /auth/invitations/accept.
 */
@Injectable()
export class InvitationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invitations: InvitationsRepository,
    private readonly users: UsersRepository,
    private readonly privileges: PrivilegeService,
    private readonly roleAssignment: RoleAssignmentService,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly policies: TenantPolicyService,
    private readonly tenants: TenantResolver,
  ) {}

  async create(dto: CreateInvitationDto): Promise<InvitationDto> {
    const principal = this.context.requirePrincipal();
    const tenantId = this.context.tenantId;
    const { allowedUserTypes } = await this.policies.policyFor(tenantId);
    if (!allowedUserTypes.includes(dto.userType)) {
      throw new BusinessRuleViolation(`This tenant does not allow accounts of type ${dto.userType}`);
    }
    // Inviting someone is granting them the type and roles in advance: the RBAC feature decides (403, audited).
    await this.privileges.assertCanAssignUserType(dto.userType, 'invitation.create');
    const roles = dto.roles?.length ? await this.roleAssignment.resolveAssignable(dto.roles, 'invitation.create') : [];
    if (await this.users.existsByEmail(tenantId, dto.email)) {
      throw new Conflict('The email is already in use in this tenant');
    }
    const tenant = await this.tenants.resolve(tenantId);
    const token = `inv_${randomBytes(32).toString('base64url')}`;

    const invitation = await this.dataSource.transaction(async (manager) => {
      // Inviting an address again replaces its pending invitation: only the newest token works.
      const replaced = await this.invitations.revokePendingFor(manager, tenantId, dto.email);
      const created = await this.invitations.insert(manager, {
        tenantId,
        email: dto.email,
        userType: dto.userType,
        roles: roles.map((r) => r.name),
        tokenHash: hashToken(token),
        invitedBy: principal.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000),
      });
      await this.audit.record(
        {
          tenantId,
          action: 'invitation.created',
          targetId: created.id,
          targetType: 'invitation',
          metadata: { userType: created.userType, roles: created.roles, replaced },
        },
        manager,
      );
      // Last, so that a failed delivery rolls the invitation back instead of leaving one nobody received.
      await this.notifications.send({
        channel: 'email',
        to: created.email,
        kind: 'invitation',
        subject: `You are invited to ${tenant?.name ?? 'DotMac'}`,
        text:
          `You have been invited to join ${tenant?.name ?? 'DotMac'}. Accept the invitation with this token ` +
          `within ${INVITATION_TTL_DAYS} days: ${token}`,
        token,
      });
      return created;
    });
    return toInvitationDto(invitation);
  }

  async listPending(query: ListInvitationsQuery): Promise<InvitationPageDto> {
    const page = query.page ?? 1;
    const pageSize = query.pageSize ?? 20;
    const [items, total] = await this.invitations.listPending(this.context.tenantId, pageSize, (page - 1) * pageSize);
    return { items: items.map(toInvitationDto), total, page, pageSize };
  }

  async revoke(id: string): Promise<void> {
    const tenantId = this.context.tenantId;
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.invitations.revoke(manager, tenantId, id))) {
        const existing = await this.invitations.findById(tenantId, id);
        if (!existing) throw new NotFound('Invitation');
        throw new Conflict(`The invitation is ${invitationStatus(existing)}, not pending`);
      }
      await this.audit.record(
        { tenantId, action: 'invitation.revoked', targetId: id, targetType: 'invitation' },
        manager,
      );
    });
  }
}
