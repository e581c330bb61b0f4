import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { TrustedDevicesRepository } from '../devices/trusted-devices.repository';
import { SessionsRepository } from '../sessions/sessions.repository';
import { IDEMPOTENCY_KEY_RETENTION_HOURS, IdempotencyKeysRepository } from '../users/bulk/idempotency-keys.repository';
import { InvitationsRepository } from '../users/invitations/invitations.repository';
import { OneTimeTokensPurgeRepository } from './one-time-tokens-purge.repository';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Rows per statement: a large backlog goes in short statements, none holding many locks for long. */
export const PURGE_BATCH_SIZE = 5_000;

/** How many rows of each table one run deleted. */
export interface ExpiredRowCounts {
  oneTimeTokens: number;
  trustedDevices: number;
  idempotencyKeys: number;
  invitations: number;
  sessions: number;
}

interface Batch {
  examined: number;
  deleted: number;
}

/**
 * Deletes, every hour, rows that can no longer be used, once a grace period has passed (so that nothing a
 * user may still be shown disappears early): one-time tokens and codes 1 day after they expired or were
 * used, trusted devices 7 days after they expired or were revoked, idempotency keys after their 24-hour
 * retention, invitations and sessions 30 days after they expired or ended (sessions that are a user's login
 * history stay, see SessionsRepository.purgeEndedBefore). Each table's repository deletes, a batch at a
 * time, across tenants; this only orchestrates. It is housekeeping, not a user's action: not audited.
 *
 * Every instance runs it; the batches skip rows another transaction holds, so instances purging at the
 * same time share the work instead of waiting for each other.
 */
@Injectable()
export class ExpiredRowsService {
  private readonly logger = new Logger('ExpiredRows');

  constructor(
    private readonly oneTimeTokens: OneTimeTokensPurgeRepository,
    private readonly trustedDevices: TrustedDevicesRepository,
    private readonly idempotencyKeys: IdempotencyKeysRepository,
    private readonly invitations: InvitationsRepository,
    private readonly sessions: SessionsRepository,
  ) {}

  @Cron(CronExpression.EVERY_HOUR, { name: 'expired-rows', waitForCompletion: true })
  async scheduledPurge(): Promise<void> {
    try {
      const deleted = await this.purgeExpired();
      this.logger.log({ deleted }, 'expired rows purged');
    } catch (err) {
      this.logger.error({ err }, 'expired rows purge failed');
    }
  }

  /** Purges what is past its grace period as of `now`, `batchSize` rows per statement. */
  async purgeExpired(now: Date = new Date(), batchSize: number = PURGE_BATCH_SIZE): Promise<ExpiredRowCounts> {
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const drain = async (before: Date, batch: (before: Date, limit: number) => Promise<Batch>): Promise<number> => {
      let deleted = 0;
      for (;;) {
        const done = await batch(before, batchSize);
        deleted += done.deleted;
        if (done.examined < batchSize) return deleted;
      }
    };
    // Every row these look at is deleted.
    const deleting = (del: (before: Date, limit: number) => Promise<number>) => async (before: Date, limit: number) => {
      const n = await del(before, limit);
      return { examined: n, deleted: n };
    };
    return {
      oneTimeTokens: await drain(
        ago(DAY_MS),
        deleting((b, l) => this.oneTimeTokens.deleteSpentBefore(b, l)),
      ),
      trustedDevices: await drain(
        ago(7 * DAY_MS),
        deleting((b, l) => this.trustedDevices.deleteEndedBefore(b, l)),
      ),
      idempotencyKeys: await drain(
        ago(IDEMPOTENCY_KEY_RETENTION_HOURS * HOUR_MS),
        deleting((b, l) => this.idempotencyKeys.deleteCreatedBefore(b, l)),
      ),
      invitations: await drain(
        ago(30 * DAY_MS),
        deleting((b, l) => this.invitations.deleteEndedBefore(b, l)),
      ),
      sessions: await drain(ago(30 * DAY_MS), (b, l) => this.sessions.purgeEndedBefore(b, l)),
    };
  }
}
