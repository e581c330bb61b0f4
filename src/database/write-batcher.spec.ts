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
    const batcher = new WriteBatcher(r.write, { maxInFlight: 2, maxBatch: 100 });
    await expect(Promise.all([1, 2, 3].map((n) => batcher.submit(n)))).resolves.toEqual([2, 4, 6]);
    expect(r.batches).toEqual([[1, 2, 3]]);
  });

  it('queues what arrives while maxInFlight batches run, and sends it together when one ends', async () => {
    const r = recorder({ hold: true });
    const batcher = new WriteBatcher(r.write, { maxInFlight: 1, maxBatch: 100 });
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
    const batcher = new WriteBatcher(r.write, { maxInFlight: 4, maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(r.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("when a batch fails, writes its items one by one, so that one item's failure is only its own", async () => {
    const r = recorder({ failWhen: (items) => items.includes(2) });
    const batcher = new WriteBatcher(r.write, { maxInFlight: 2, maxBatch: 100 });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('refused 2') },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(r.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
