import { FixedWindowThrottlerStorage } from './fixed-window.storage';

describe('FixedWindowThrottlerStorage', () => {
  const minute = 60_000;
  let now: number;
  const storage = () => new FixedWindowThrottlerStorage(() => now);

  it('blocks the hit after the limit until the end of the fixed window, and says how long', async () => {
    now = 10 * minute + 45_000; // 45 s into a window
    const s = storage();
    for (let i = 1; i <= 3; i++)
      expect(await s.increment('k', minute, 3)).toMatchObject({ totalHits: i, isBlocked: false });
    expect(await s.increment('k', minute, 3)).toEqual({
      totalHits: 4,
      timeToExpire: 15,
      isBlocked: true,
      timeToBlockExpire: 15,
    });
    now += 14_000;
    expect((await s.increment('k', minute, 3)).isBlocked).toBe(true);
    now += 1_000; // the next minute begins: a fresh count
    expect(await s.increment('k', minute, 3)).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
  });

  it('counts each key on its own', async () => {
    now = 0;
    const s = storage();
    await s.increment('a', minute, 1);
    expect((await s.increment('a', minute, 1)).isBlocked).toBe(true);
    expect((await s.increment('b', minute, 1)).isBlocked).toBe(false);
  });

  it('forgets ended windows', async () => {
    now = 0;
    const s = storage();
    await s.increment('a', minute, 1);
    now = 5 * minute;
    await s.increment('b', minute, 1);
    expect((s as unknown as { windows: Map<string, unknown> }).windows.has('a')).toBe(false);
  });
});
