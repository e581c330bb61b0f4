import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { deleteEndedBatch, updateReturning } from '../../database/sql';
import { Invitation } from '../entities/invitation.entity';

/** Invitations not yet accepted, not revoked, not expired. */
const PENDING = 'i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()';

@Injectable()
export class InvitationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(Invitation);
  }

  insert(manager: EntityManager, invitation: Partial<Invitation>): Promise<Invitation> {
    return this.repo(manager).save(this.repo(manager).create(invitation));
  }

  findById(tenantId: string, id: string): Promise<Invitation | null> {
    return this.repo().findOneBy({ tenantId, id });
  }

  async listPending(tenantId: string, limit: number, offset: number): Promise<[Invitation[], number]> {
    return this.repo()
      .createQueryBuilder('i')
      .where(`i.tenant_id = :tenantId AND ${PENDING}`, { tenantId })
      .orderBy('i.created_at', 'DESC')
      .addOrderBy('i.id', 'DESC')
      .take(limit)
      .skip(offset)
      .getManyAndCount();
  }

  /** Revokes the invitation if it has not been accepted or revoked; returns whether it did. */
  async revoke(manager: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      manager,
      `UPDATE invitations SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
       RETURNING id`,
      [tenantId, id],
    );
    return rows.length === 1;
  }

  /** Revokes the pending invitations of an address (a new invitation replaces them); returns their ids. */
  async revokePendingFor(manager: EntityManager, tenantId: string, email: string): Promise<string[]> {
    const rows = await updateReturning<{ id: string }>(
      manager,
      `UPDATE invitations i SET revoked_at = now()
        WHERE i.tenant_id = $1 AND lower(i.email) = lower($2) AND ${PENDING} RETURNING i.id`,
      [tenantId, email],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Deletes up to `limit` invitations, of any tenant, that expired, were accepted or were revoked before
   * `before`; returns how many. Rows another transaction holds are left for a later batch.
   */
  async deleteEndedBefore(before: Date, limit: number): Promise<number> {
    return deleteEndedBatch(
      this.dataSource.manager,
      'invitations',
      'least(expires_at, accepted_at, revoked_at)',
      before,
      limit,
    );
  }
}
