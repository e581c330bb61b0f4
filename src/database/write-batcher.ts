import { AsyncResource } from 'node:async_hooks';

/**
 * Coalesces concurrent writes of one kind into batches, each written by one statement: one round trip, one
 * plan and one commit (one WAL flush) for all the writes in it, which is most of what a small write costs.
 *
 * A write goes with the next batch, sent at the end of the current turn of the event loop (so the writes of
 * requests that arrived together go together) as soon as fewer than `maxInFlight` batches are running.
 * Under load the writes that queue while batches run go together; alone, a write goes at once. Batches run
 * outside the context of any request (they serve several).
 *
 * Each write gets its own result. A batch that fails with an error that may belong to one of its writes
 * (`retryEach`: a deadlock with another batch, a value the database refused) is written again one write at
 * a time, so that one write's failure is nobody else's; any other error (the database is unreachable, a
 * timeout) is every write's answer at once.
 */
export class WriteBatcher<T, R> {
  private queue: { item: T; resolve: (result: R) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** The context the batcher was made in (no request's), in which every batch runs. */
  private readonly scope = new AsyncResource('WriteBatcher');

  /** `write` writes the items as one statement and gives their results in the items' order. */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: { maxInFlight: number; maxBatch: number; retryEach: (err: unknown) => boolean },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() =>
          this.scope.runInAsyncScope(() => {
            this.scheduled = false;
            this.drain();
          }),
        );
      }
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.settle(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async settle(batch: WriteBatcher<T, R>['queue']): Promise<void> {
    try {
      const results = await this.write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (err) {
      if (batch.length === 1 || !this.options.retryEach(err)) return batch.forEach((b) => b.reject(err));
      await Promise.all(batch.map((b) => this.write([b.item]).then(([result]) => b.resolve(result), b.reject)));
    }
  }
}
