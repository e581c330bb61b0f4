/**
 * Coalesces concurrent writes of one kind into batches, each written by one statement: one round trip, one
 * plan and one commit (one WAL flush) for all the writes in it, which is most of what a small write costs.
 *
 * A write goes with the next batch, sent at the end of the current turn of the event loop (so the writes of
 * requests that arrived together go together) as soon as fewer than `maxInFlight` batches are running.
 * Under load the writes that queue while batches run go together; alone, a write goes at once.
 *
 * Each write gets its own result, and its own error: a batch that fails as a whole (a deadlock with
 * another batch, say) is written again one write at a time, so that one write's failure is nobody else's.
 */
export class WriteBatcher<T, R> {
  private queue: { item: T; resolve: (result: R) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  /** `write` writes the items as one statement and gives their results in the items' order. */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: { maxInFlight: number; maxBatch: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
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
      if (batch.length === 1) return batch[0].reject(err);
      for (const b of batch) {
        await this.write([b.item]).then(([result]) => b.resolve(result), b.reject);
      }
    }
  }
}
