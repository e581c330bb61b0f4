import { effectivePolicy } from './tenant-policy';

describe('effectivePolicy', () => {
  it('is the classic preset by default', () => {
    const p = effectivePolicy({ preset: 'classic', env: {} });
    expect(p.password).toMatchObject({
      minLength: 8,
      requireUppercase: true,
      requireSymbols: true,
      maxAgeDays: 90,
      historyCount: 5,
      maxFailedAttempts: 5,
      lockoutDurationMinutes: 30,
      sessionTimeoutMinutes: 480,
      requireMfaForAdmin: true,
    });
  });

  it('nist drops composition rules and expiry', () => {
    const p = effectivePolicy({ preset: 'nist', env: {} });
    expect(p.password).toMatchObject({
      requireUppercase: false,
      requireSymbols: false,
      maxAgeDays: 0,
      historyCount: 5,
    });
  });

  it('applies knobs set in the environment on top of the preset', () => {
    const p = effectivePolicy({ preset: 'classic', env: { maxFailedAttempts: 3, minLength: 12 } });
    expect(p.password.maxFailedAttempts).toBe(3);
    expect(p.password.minLength).toBe(12);
  });

  it("lets a tenant pick its own preset and override single knobs; the env's knobs then do not apply", () => {
    const p = effectivePolicy(
      { preset: 'classic', env: { maxAgeDays: 30 } },
      { passwordPolicy: { preset: 'nist', minLength: 14 }, sessionTimeoutMinutes: 60 },
    );
    expect(p.password).toMatchObject({ preset: 'nist', minLength: 14, maxAgeDays: 0, sessionTimeoutMinutes: 60 });
    expect(p.sessionTimeoutMinutes).toBe(60);
  });
});
