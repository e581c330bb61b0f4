import { Injectable } from '@nestjs/common';
import { InvalidationBus } from '../cache/invalidation-bus';
import type { MaybePromise } from '../common/maybe-promise';
import type { UserDetailDto } from './dto/user-detail.dto';

/** Short enough that a change whose invalidation is lost (or raced a read) is seen within seconds. */
const TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;

/**
 * The caller's own account as GET /users/me answers it (five queries: account, roles, profile, contact
 * info, preferences), kept for a few seconds. Every audited change to the account forgets it on every
 * instance (see AuditService.record), so a user always reads their own writes.
 */
@Injectable()
export class AccountCache {
  private readonly entries = new Map<string, { dto: UserDetailDto; expires: number }>();
  private epoch = 0;

  constructor(bus: InvalidationBus) {
    bus.on('user', (userId) => {
      this.epoch++;
      this.entries.delete(userId);
    });
  }

  /** At once when cached; else `load()`, kept unless a change landed meanwhile. */
  get(userId: string, load: () => Promise<UserDetailDto>): MaybePromise<UserDetailDto> {
    const hit = this.entries.get(userId);
    if (hit && hit.expires > Date.now()) return hit.dto;
    return this.load(userId, load);
  }

  private async load(userId: string, load: () => Promise<UserDetailDto>): Promise<UserDetailDto> {
    const epoch = this.epoch;
    const dto = await load();
    // A change that landed while we read may not be in what we read: do not keep it.
    if (epoch === this.epoch) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(userId, { dto, expires: Date.now() + TTL_MS });
    }
    return dto;
  }
}
