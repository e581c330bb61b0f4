import { hash } from 'bcrypt';
import { PasswordHasher } from '../../common/crypto/password-hasher';
import { AppConfig } from '../../config/app-config';
import { PASSWORD_PRESETS, PasswordPolicy } from '../../tenants/tenant-policy';
import type { TenantPolicyService } from '../../tenants/tenant-policy.service';
import { PasswordPolicyViolation, PasswordService, PasswordTooLong } from './password.service';
import type { PasswordsRepository } from './passwords.repository';

/** The service with a fixed policy and the given password hashes, newest first (the current one first). */
function serviceWith(
  policy: PasswordPolicy,
  hashes: string[] = [],
  current?: { changedAt: Date; mustChange: boolean },
) {
  const policies = { policyFor: () => Promise.resolve({ password: policy }) } as unknown as TenantPolicyService;
  const repository = {
    recentHashes: (_t: string, _u: string, count: number) => Promise.resolve(hashes.slice(0, count)),
    current: () => Promise.resolve(current && { hash: hashes[0], ...current }),
  } as unknown as PasswordsRepository;
  const hasher = new PasswordHasher(Object.assign(new AppConfig(), { bcryptRounds: 4 }));
  return new PasswordService(policies, repository, hasher);
}

async function refusal(promise: Promise<unknown>): Promise<PasswordPolicyViolation> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PasswordPolicyViolation);
  return err as PasswordPolicyViolation;
}

describe('PasswordService', () => {
  const classic = PASSWORD_PRESETS.classic;

  it('refuses a 73-byte password with 400, before any other rule', async () => {
    const service = serviceWith(classic);
    const err = await service.assertAcceptable('t', `Aa1!${'x'.repeat(69)}`, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PasswordTooLong);
    expect((err as PasswordTooLong).status).toBe(400);
    await expect(service.assertAcceptable('t', `Aa1!${'x'.repeat(68)}`, {})).resolves.toBe(classic);
  });

  it('answers 422 with every failed rule, as messages and as rule codes', async () => {
    const err = await refusal(serviceWith(classic).assertAcceptable('t', 'jdoe', { username: 'jdoe' }));
    expect(err.status).toBe(422);
    expect(err.rules).toEqual(['min_length', 'uppercase', 'number', 'symbol', 'contains_username']);
    expect(err.messages).toHaveLength(5);
    expect(err.details).toEqual({ violations: err.rules });
  });

  describe('historyCount', () => {
    const old = ['Old-Password-1!', 'Old-Password-2!', 'Old-Password-3!'];
    let hashes: string[];
    beforeAll(async () => {
      hashes = await Promise.all(old.map((p) => hash(p, 4)));
    });

    it('refuses any of the last N passwords, the current one included', async () => {
      const service = serviceWith({ ...classic, historyCount: 3 }, hashes);
      for (const pw of old) {
        const err = await refusal(service.assertAcceptable('t', pw, { userId: 'u' }));
        expect(err.rules).toEqual(['history']);
        expect(err.messages).toEqual(['Password must differ from the last 3 passwords']);
      }
      await expect(service.assertAcceptable('t', 'Brand-New-Pass-4!', { userId: 'u' })).resolves.toBeDefined();
    });

    it('allows a password older than the last N', async () => {
      const service = serviceWith({ ...classic, historyCount: 2 }, hashes);
      await expect(service.assertAcceptable('t', 'Old-Password-3!', { userId: 'u' })).resolves.toBeDefined();
      await refusal(service.assertAcceptable('t', 'Old-Password-2!', { userId: 'u' }));
    });

    it('0 turns the history off, even for the current password', async () => {
      const service = serviceWith({ ...classic, historyCount: 0 }, hashes);
      await expect(service.assertAcceptable('t', 'Old-Password-1!', { userId: 'u' })).resolves.toBeDefined();
    });

    it('is not consulted for a new user', async () => {
      const service = serviceWith({ ...classic, historyCount: 5 }, hashes);
      await expect(service.assertAcceptable('t', 'Old-Password-1!', {})).resolves.toBeDefined();
    });
  });

  describe('mustChange', () => {
    it('is true when the password is older than maxAgeDays or an administrator flagged it', async () => {
      const old = new Date(Date.now() - 100 * 86_400_000);
      const fresh = new Date();
      await expect(
        serviceWith(classic, ['h'], { changedAt: old, mustChange: false }).mustChange('t', 'u'),
      ).resolves.toBe(true);
      await expect(
        serviceWith(classic, ['h'], { changedAt: fresh, mustChange: false }).mustChange('t', 'u'),
      ).resolves.toBe(false);
      await expect(
        serviceWith(classic, ['h'], { changedAt: fresh, mustChange: true }).mustChange('t', 'u'),
      ).resolves.toBe(true);
      const nist = PASSWORD_PRESETS.nist;
      await expect(serviceWith(nist, ['h'], { changedAt: old, mustChange: false }).mustChange('t', 'u')).resolves.toBe(
        false,
      );
    });
  });
});
