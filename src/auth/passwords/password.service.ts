import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PasswordHasher } from '../../common/crypto/password-hasher';
import { BadInput, BusinessRuleViolation } from '../../common/errors/domain-errors';
import type { PasswordPolicy } from '../../tenants/tenant-policy';
import { TenantPolicyService } from '../../tenants/tenant-policy.service';
import {
  PasswordOwner,
  PasswordRule,
  PasswordViolation,
  checkPassword,
  exceedsBcryptLimit,
  historyViolation,
  isPasswordExpired,
} from './password-policy';
import { PasswordsRepository } from './passwords.repository';

/** 422 listing every rule of the tenant's password policy that a new password breaks. */
export class PasswordPolicyViolation extends BusinessRuleViolation {
  constructor(readonly violations: PasswordViolation[]) {
    super(
      violations.map((v) => v.message),
      { violations: violations.map((v) => v.rule) },
    );
  }

  get rules(): PasswordRule[] {
    return this.violations.map((v) => v.rule);
  }
}

export class PasswordTooLong extends BadInput {
  constructor() {
    super('password must be at most 72 bytes long (bcrypt would silently ignore the rest)');
  }
}

/**
 * Setting a password, whoever does it (registration, reset, change, invitation, an administrator): the
 * tenant's policy and history, then bcrypt, then the history kept up to date. Every feature that sets a
 * password goes through here.
 */
@Injectable()
export class PasswordService {
  constructor(
    private readonly policies: TenantPolicyService,
    private readonly repository: PasswordsRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async policyFor(tenantId: string): Promise<PasswordPolicy> {
    return (await this.policies.policyFor(tenantId)).password;
  }

  /**
   * Throws 400 for a password over 72 bytes, else 422 listing every rule it breaks, the last N passwords of
   * an existing user (`userId`) included. Returns the policy it checked against.
   */
  async assertAcceptable(
    tenantId: string,
    password: string,
    owner: PasswordOwner & { userId?: string },
  ): Promise<PasswordPolicy> {
    if (exceedsBcryptLimit(password)) throw new PasswordTooLong();
    const policy = await this.policyFor(tenantId);
    const violations = checkPassword(policy, password, owner);
    if (owner.userId && (await this.isInHistory(tenantId, owner.userId, password, policy.historyCount))) {
      violations.push(historyViolation(policy.historyCount));
    }
    if (violations.length) throw new PasswordPolicyViolation(violations);
    return policy;
  }

  /** Hashes outside any transaction: bcrypt takes a while and should not hold database locks. */
  hash(password: string): Promise<string> {
    return this.hasher.hash(password);
  }

  /** Stores an already-checked password's hash as the user's password, in the caller's transaction. */
  async store(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    hash: string,
    policy: PasswordPolicy,
  ): Promise<void> {
    await this.repository.replace(manager, tenantId, userId, hash, policy.historyCount);
  }

  /** Whether `password` is the user's current password (false when the user has none). */
  async verifyCurrent(tenantId: string, userId: string, password: string): Promise<boolean> {
    const current = await this.repository.current(tenantId, userId);
    if (!current) return this.hasher.verifyAgainstNothing(password);
    return this.hasher.verify(password, current.hash);
  }

  /** True when the user must change the password before doing anything else: too old, or flagged by an admin. */
  async mustChange(tenantId: string, userId: string, policy?: PasswordPolicy): Promise<boolean> {
    const current = await this.repository.current(tenantId, userId);
    if (!current) return false;
    return this.mustChangeNow(current, policy ?? (await this.policyFor(tenantId)));
  }

  /** The same decision for a password already read. */
  mustChangeNow(current: { changedAt: Date; mustChange: boolean }, policy: PasswordPolicy): boolean {
    return current.mustChange || isPasswordExpired(policy, current.changedAt);
  }

  private async isInHistory(
    tenantId: string,
    userId: string,
    password: string,
    historyCount: number,
  ): Promise<boolean> {
    const hashes = await this.repository.recentHashes(tenantId, userId, historyCount);
    const matches = await Promise.all(hashes.map((h) => this.hasher.verify(password, h)));
    return matches.some(Boolean);
  }
}
