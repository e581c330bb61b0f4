import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AuditRepository } from './audit.repository';

/** How often every instance looks for entries to seal: they join the chain this long after commit at most. */
export const SEAL_INTERVAL_MS = 200;
/** Entries sealed per transaction: a batch takes about half a second, so the head lock is never held long. */
export const SEAL_BATCH = 5_000;
const FAILURE_REPORT_INTERVAL_MS = 60_000;

/**
 * Appending an audit entry takes no lock (dm_audit_append is a plain INSERT), so audited writes of a tenant
 * run in parallel; the hash chain is built after the fact. Every instance seals every 200 ms: it gives the
 * waiting entries of each tenant their sequence numbers and hashes (dm_audit_seal, under the tenant's head
 * lock). Instances skip a tenant another one is sealing, so any number can run. A failed pass is logged and
 * retried on the next tick; entries are durable from their own commit, so nothing is lost meanwhile.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditSealer');
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private stopped = false;
  private failedPasses = 0;
  private lastReported: number | undefined;

  constructor(private readonly repository: AuditRepository) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  /**
   * Seals what every tenant has waiting; returns the count. Without `wait` (the default) a tenant another
   * sealer holds at the moment is left to it.
   */
  async sealPending(wait = false): Promise<number> {
    let sealed = 0;
    for (const tenantId of await this.repository.tenantsWithUnsealedEntries()) {
      sealed += await this.sealTenant(tenantId, wait);
    }
    return sealed;
  }

  /**
   * Seals the tenant's waiting entries in batches. With `wait` (the default) it waits for a sealer that holds
   * the tenant instead of leaving the work to it, so every entry committed before the call is sealed when it
   * returns; without, it gives up on the tenant as soon as another sealer holds it.
   */
  async sealTenant(tenantId: string, wait = true): Promise<number> {
    let total = 0;
    for (;;) {
      const sealed = await this.repository.seal(tenantId, SEAL_BATCH, wait);
      total += sealed;
      if (sealed < SEAL_BATCH) return total;
    }
  }

  /**
   * Stops the ticks and seals everything appended so far, waiting for other sealers rather than leaving
   * work to instances that may be stopping too. This runs while the database pool is still open (the pool
   * closes in the shutdown hooks, which come later); an entry that a request still finishing appends after
   * this is sealed by another instance, by the next start or by the next /audit/verify.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
    await this.sealLogged(true);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.sealLogged().finally(() => {
        this.pass = undefined;
        this.schedule();
      });
    }, SEAL_INTERVAL_MS);
    // A pending tick must not keep the process alive.
    this.timer.unref();
  }

  /** While the database is unreachable every tick fails: one error line a minute says so, not five a second. */
  private async sealLogged(wait = false): Promise<void> {
    try {
      await this.sealPending(wait);
      if (this.failedPasses) this.logger.log(`sealing audit entries again after ${this.failedPasses} failed passes`);
      this.failedPasses = 0;
      this.lastReported = undefined;
    } catch (err) {
      this.failedPasses++;
      const now = Date.now();
      if (this.lastReported !== undefined && now - this.lastReported < FAILURE_REPORT_INTERVAL_MS) return;
      this.lastReported = now;
      // The error's name, code and message only: a driver error also carries the query and its parameters.
      const { name, code, message } = err as { name?: string; code?: string; message?: string };
      this.logger.error(
        { error: name, code, failedPasses: this.failedPasses },
        `sealing audit entries failed, retrying every ${SEAL_INTERVAL_MS} ms: ${message}`,
      );
    }
  }
}
