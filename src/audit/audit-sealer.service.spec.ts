import { Logger } from '@nestjs/common';
import { AuditSealer, SEAL_BATCH, SEAL_INTERVAL_MS } from './audit-sealer.service';
import type { AuditRepository } from './audit.repository';

/** A chain store in memory: `waiting` entries per tenant, and tenants another sealer holds. */
function fakeRepository(waiting: Record<string, number>, held = new Set<string>()) {
  const calls: { tenantId: string; limit: number; wait: boolean }[] = [];
  const repository = {
    calls,
    tenantsWithUnsealedEntries: jest.fn(() => Promise.resolve(Object.keys(waiting).filter((id) => waiting[id] > 0))),
    seal: jest.fn((tenantId: string, limit: number, wait: boolean) => {
      calls.push({ tenantId, limit, wait });
      if (held.has(tenantId) && !wait) return Promise.resolve(0);
      const sealed = Math.min(limit, waiting[tenantId] ?? 0);
      waiting[tenantId] -= sealed;
      return Promise.resolve(sealed);
    }),
  };
  return repository;
}

const asRepository = (fake: ReturnType<typeof fakeRepository>) => fake as unknown as AuditRepository;

describe('AuditSealer', () => {
  it('seals a tenant in batches until a batch comes back short', async () => {
    const repo = fakeRepository({ a: 2 * SEAL_BATCH + 7 });
    const sealer = new AuditSealer(asRepository(repo));
    expect(await sealer.sealTenant('a')).toBe(2 * SEAL_BATCH + 7);
    expect(repo.calls).toEqual([
      { tenantId: 'a', limit: SEAL_BATCH, wait: true },
      { tenantId: 'a', limit: SEAL_BATCH, wait: true },
      { tenantId: 'a', limit: SEAL_BATCH, wait: true },
    ]);
  });

  it('leaves a tenant another sealer holds to it, and seals the others', async () => {
    const waiting = { a: 3, b: SEAL_BATCH + 1 };
    const repo = fakeRepository(waiting, new Set(['a']));
    const sealer = new AuditSealer(asRepository(repo));
    expect(await sealer.sealPending()).toBe(SEAL_BATCH + 1);
    expect(waiting).toEqual({ a: 3, b: 0 });
    expect(repo.calls.filter((c) => c.tenantId === 'a')).toEqual([{ tenantId: 'a', limit: SEAL_BATCH, wait: false }]);
  });

  describe('in the background', () => {
    let logged: jest.SpyInstance;
    let told: jest.SpyInstance;
    beforeEach(() => {
      jest.useFakeTimers();
      logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      told = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    });
    afterEach(() => {
      jest.useRealTimers();
      logged.mockRestore();
      told.mockRestore();
    });

    it('seals every 200 ms without keeping the process alive, and a failed pass is logged and retried', async () => {
      const waiting: Record<string, number> = { a: 5 };
      const repo = fakeRepository(waiting);
      const failure = Object.assign(new Error('connection terminated'), {
        code: '57P01',
        query: 'SELECT dm_audit_seal($1, $2, $3)',
        parameters: ['tenant-secret-id', SEAL_BATCH, false],
      });
      repo.tenantsWithUnsealedEntries.mockRejectedValueOnce(failure);
      const sealer = new AuditSealer(asRepository(repo));
      const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
      sealer.onApplicationBootstrap();
      const timer = setTimeoutSpy.mock.results[0].value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      setTimeoutSpy.mockRestore();

      await jest.advanceTimersByTimeAsync(SEAL_INTERVAL_MS - 1);
      expect(repo.tenantsWithUnsealedEntries).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(repo.tenantsWithUnsealedEntries).toHaveBeenCalledTimes(1);
      expect(logged).toHaveBeenCalledTimes(1);
      const line = JSON.stringify(logged.mock.calls[0]);
      expect(line).toContain('connection terminated');
      expect(line).toContain('57P01');
      expect(line).not.toContain('tenant-secret-id');
      expect(line).not.toContain('dm_audit_seal');
      expect(waiting.a).toBe(5);

      await jest.advanceTimersByTimeAsync(SEAL_INTERVAL_MS);
      expect(waiting.a).toBe(0);
      expect(told).toHaveBeenCalledWith('sealing audit entries again after 1 failed passes');
      await sealer.beforeApplicationShutdown();
    });

    it('reports a database that stays unreachable once a minute, not on every tick', async () => {
      const repo = fakeRepository({ a: 1 });
      repo.tenantsWithUnsealedEntries.mockRejectedValue(new Error('connect ECONNREFUSED'));
      const sealer = new AuditSealer(asRepository(repo));
      sealer.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(59_000);
      expect(repo.tenantsWithUnsealedEntries.mock.calls.length).toBeGreaterThan(250);
      expect(logged).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(2_000);
      expect(logged).toHaveBeenCalledTimes(2);
      expect(JSON.stringify(logged.mock.calls[1])).toContain('"failedPasses":');
      await sealer.beforeApplicationShutdown();
    });

    it('starts no pass while one runs, and on shutdown lets it finish, seals the rest waiting, and stops', async () => {
      const waiting: Record<string, number> = { a: 1 };
      const repo = fakeRepository(waiting, new Set(['b']));
      let finishSlowPass: () => void = () => undefined;
      repo.tenantsWithUnsealedEntries.mockImplementationOnce(
        () => new Promise((resolve) => (finishSlowPass = () => resolve(['a']))),
      );
      const sealer = new AuditSealer(asRepository(repo));
      sealer.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(SEAL_INTERVAL_MS * 5);
      expect(repo.tenantsWithUnsealedEntries).toHaveBeenCalledTimes(1);

      waiting.b = 2; // held by another sealer: only a waiting seal takes it
      const shutdown = sealer.beforeApplicationShutdown();
      finishSlowPass();
      await shutdown;
      expect(waiting).toEqual({ a: 0, b: 0 });
      expect(repo.calls.at(-1)).toEqual({ tenantId: 'b', limit: SEAL_BATCH, wait: true });

      const passes = repo.tenantsWithUnsealedEntries.mock.calls.length;
      await jest.advanceTimersByTimeAsync(SEAL_INTERVAL_MS * 5);
      expect(repo.tenantsWithUnsealedEntries).toHaveBeenCalledTimes(passes);
    });
  });
});
