import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  endsAt: number;
  hits: number;
}

/** Ended windows are dropped at most this often, and whenever the map grows past MAX_KEYS. */
const SWEEP_INTERVAL_MS = 60_000;
const MAX_KEYS = 100_000;

/**
 * Fixed windows, as the contract says: a key's count starts from 0 at each multiple of the ttl (every
 * full minute) and a blocked client may try again when its window ends. Kept in process memory; a Redis
 * storage with the same behaviour (INCR of `key:windowIndex`, expiring with the window) takes its place
 * when several instances must share the counts (see RATE_LIMIT_STORAGE).
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    this.sweep(now);
    const endsAt = (Math.floor(now / ttl) + 1) * ttl;
    let window = this.windows.get(key);
    if (!window || window.endsAt !== endsAt) {
      window = { endsAt, hits: 0 };
      this.windows.set(key, window);
    }
    window.hits += 1;
    const timeToExpire = Math.max(1, Math.ceil((endsAt - now) / 1000));
    const isBlocked = window.hits > limit;
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire,
      isBlocked,
      timeToBlockExpire: isBlocked ? timeToExpire : 0,
    });
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS && this.windows.size < MAX_KEYS) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (w.endsAt <= now) this.windows.delete(key);
    if (this.windows.size >= MAX_KEYS) this.windows.clear();
  }
}
