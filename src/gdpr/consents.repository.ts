import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { prepared } from '../database/prepared-statements';
import type { ConsentDocument } from './dto/consent.dto';

export interface ConsentRow {
  document: ConsentDocument;
  version: string;
  ip_address: string | null;
  accepted_at: Date;
}

/** Acceptances of the terms and the privacy notice; each query names the tenant. */
@Injectable()
export class ConsentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  list(tenantId: string, userId: string, manager?: EntityManager): Promise<ConsentRow[]> {
    return (manager ?? this.dataSource.manager).query(
      `SELECT document, version, ip_address, accepted_at
         FROM user_consents WHERE tenant_id = $1 AND user_id = $2 ORDER BY accepted_at DESC, id`,
      [tenantId, userId],
    );
  }

  /** Which of the documents the user has accepted in exactly the given versions. */
  async acceptedOf(
    tenantId: string,
    userId: string,
    versions: Record<ConsentDocument, string>,
  ): Promise<ConsentDocument[]> {
    const rows = await this.dataSource.query<{ document: ConsentDocument }[]>(
      prepared(`SELECT DISTINCT document FROM user_consents
        WHERE tenant_id = $1 AND user_id = $2
          AND ((document = 'terms' AND version = $3) OR (document = 'privacy' AND version = $4))`),
      [tenantId, userId, versions.terms, versions.privacy],
    );
    return rows.map((r) => r.document);
  }

  async insert(
    manager: EntityManager,
    c: { tenantId: string; userId: string; document: ConsentDocument; version: string; ip: string | null },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO user_consents (tenant_id, user_id, document, version, ip_address) VALUES ($1, $2, $3, $4, $5)`,
      [c.tenantId, c.userId, c.document, c.version, c.ip],
    );
  }
}
