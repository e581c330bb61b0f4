import { AsyncLocalStorage } from 'node:async_hooks';
import { WriteBatcher } from './write-batcher';

/** A write that records its batches and answers each item with its double, after `release()` when held. */
function recorder(o: { hold?: boolean; failWhen?: (items: number[]) => boolean } = {}) {
  const batches: number[][] = [];
  const waiting: (() => void)[] = [];
  const write = async (items: number[]) => {
    batches.push(items);
    if (o.hold) await new Promise<void>((resolve) => waiting.push(resolve));
    if (o.failWhen?.(items)) throw new Error(`refused ${items.join(',')}`);
    return items.map((n) => n * 2);
  };
  const release = () => waiting.splice(0).forEach((resolve) => resolve());
  return { batches, write, release };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteBatcher', () => {
  it('writes what is submitted together as one batch, and gives each caller its own result', async () => {
    const r = recorder();
    const batcher = new WriteBatcher(r.write, { maxInFlight: 2, maxBatch: 100, retryEach: () => true });
    await expect(Promise.all([1, 2, 3].map((n) => batcher.submit(n)))).resolves.toEqual([2, 4, 6]);
    expect(r.batches).toEqual([[1, 2, 3]]);
  });

  it('queues what arrives while maxInFlight batches run, and sends it together when one ends', async () => {
    const r = recorder({ hold: true });
    const batcher = new WriteBatcher(r.write, { maxInFlight: 1, maxBatch: 100, retryEach: () => true });
    const first = batcher.submit(1);
    await tick();
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    await tick();
    expect(r.batches).toEqual([[1]]);
    r.release();
    await expect(first).resolves.toBe(2);
    await tick();
    r.release();
    await expect(Promise.all(later)).resolves.toEqual([4, 6, 8]);
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('never puts more than maxBatch writes in one batch', async () => {
    const r = recorder();
    const batcher = new WriteBatcher(r.write, { maxInFlight: 4, maxBatch: 2, retryEach: () => true });
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(r.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("when a batch fails, writes its items one by one, so that one item's failure is only its own", async () => {
    const r = recorder({ failWhen: (items) => items.includes(2) });
    const batcher = new WriteBatcher(r.write, { maxInFlight: 2, maxBatch: 100, retryEach: () => true });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('refused 2') },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(r.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('fails every write of a batch at once, without retrying, when the error is not one of its rows', async () => {
    const r = recorder({ failWhen: () => true });
    const batcher = new WriteBatcher(r.write, { maxInFlight: 2, maxBatch: 100, retryEach: () => false });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(r.batches).toEqual([[1, 2, 3]]);
  });

  it("writes outside the context of the requests it serves (a batch is no one request's)", async () => {
    const request = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const batcher = new WriteBatcher(
      (items: number[]) => {
        seen.push(request.getStore());
        return Promise.resolve(items);
      },
      { maxInFlight: 1, maxBatch: 100, retryEach: () => true },
    );
    await request.run('first request', () => Promise.all([batcher.submit(1), batcher.submit(2)]));
    expect(seen).toEqual([undefined]);
  });
});
