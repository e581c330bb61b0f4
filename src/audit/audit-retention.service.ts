import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AuditRepository } from './audit.repository';
import { AuditSealer } from './audit-sealer.service';
import { AuditService } from './audit.service';

const DAY_MS = 86_400_000;

export interface TenantPurge {
  tenantId: string;
  purged: number;
  throughSeq: string;
}

/**
 * AUDIT_RETENTION_DAYS: entries older than that are deleted once a day, one transaction per tenant that
 * also leaves a checkpoint (so the rest of the chain still verifies) and records `audit.purged`. The tenant's
 * entries are sealed first.
 */
@Injectable()
export class AuditRetentionService {
  private readonly logger = new Logger('AuditRetention');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: AuditRepository,
    private readonly sealer: AuditSealer,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_DAY_AT_3AM, { name: 'audit-retention', waitForCompletion: true })
  async scheduledPurge(): Promise<void> {
    try {
      const purged = await this.purgeExpired();
      const total = purged.reduce((n, p) => n + p.purged, 0);
      this.logger.log(`purged ${total} audit entries older than ${this.config.auditRetentionDays} days`);
    } catch (err) {
      this.logger.error({ err }, 'audit retention purge failed');
    }
  }

  /** Purges what is older than the retention period as of `now`; returns what it did per tenant. */
  async purgeExpired(now: Date = new Date()): Promise<TenantPurge[]> {
    const cutoff = new Date(now.getTime() - this.config.auditRetentionDays * DAY_MS);
    const done: TenantPurge[] = [];
    for (const tenantId of await this.repository.tenantsWithEntriesBefore(cutoff)) {
      // Only sealed entries are purged (the checkpoint is a point of the chain).
      await this.sealer.sealTenant(tenantId);
      const range = await this.dataSource.transaction(async (manager) => {
        const purged = await this.repository.purgeBefore(manager, tenantId, cutoff);
        if (purged) {
          await this.audit.record(
            {
              tenantId,
              action: 'audit.purged',
              actorId: null,
              metadata: {
                purgedCount: purged.purged,
                throughSeq: purged.throughSeq,
                cutoff: cutoff.toISOString(),
                retentionDays: this.config.auditRetentionDays,
              },
            },
            manager,
          );
        }
        return purged;
      });
      if (range) done.push({ tenantId, ...range });
    }
    return done;
  }
}
