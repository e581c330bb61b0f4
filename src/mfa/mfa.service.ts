import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { toDataURL } from 'qrcode';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type ReauthenticationRefusal, ReauthenticationService } from '../auth/passwords/reauthentication.service';
import { RequestContext } from '../common/context/request-context';
import { FieldCipher } from '../common/crypto/field-cipher';
import { BadInput, BusinessRuleViolation, Conflict, NotFound } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { TrustedDevicesService } from '../devices/trusted-devices.service';
import { SessionsService } from '../sessions/sessions.service';
import { TenantPolicyService } from '../tenants/tenant-policy.service';
import type { User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import { hashBackupCode, newBackupCode } from './backup-codes';
import type {
  BackupCodesDto,
  CodeSentDto,
  MfaStatusDto,
  SetupMfaDto,
  TotpSetupDto,
  VerifyMfaDto,
} from './dto/mfa-setup.dto';
import { MfaCodesRepository } from './mfa-codes.repository';
import { MfaCodesService } from './mfa-codes.service';
import { type MfaMethod, enrolmentDeadline, isCodeMethod, mfaRequiredFor } from './mfa-methods';
import { MfaRepository } from './mfa.repository';
import { matchTotp, newTotpSecret, otpauthUrl } from './totp';

/** A wrong password for an MFA change is 403: the password guards the action (public API). */
const MFA_CHANGE_REFUSAL: ReauthenticationRefusal = { status: 403, auditAction: 'auth.reauthentication.failure' };

/**
 * Enrolment and management of a user's own MFA methods (setup → verify → enabled; disable; backup
 * codes), and an administrator's reset of another user's MFA.
 */
@Injectable()
export class MfaService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mfa: MfaRepository,
    private readonly codes: MfaCodesService,
    private readonly codesRepo: MfaCodesRepository,
    private readonly users: UsersRepository,
    private readonly devices: TrustedDevicesService,
    private readonly sessions: SessionsService,
    private readonly policies: TenantPolicyService,
    private readonly reauthentication: ReauthenticationService,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  async status(): Promise<MfaStatusDto> {
    const user = await this.caller();
    const [methods, backupCodesRemaining, policy] = await Promise.all([
      this.mfa.findMethods(user.tenantId, user.id),
      this.mfa.countUnusedBackupCodes(user.tenantId, user.id),
      this.policies.policyFor(user.tenantId),
    ]);
    const required = mfaRequiredFor(user.userType, policy);
    const enrolled = methods.some((m) => m.enabled);
    return {
      methods: methods.map((m) => ({
        method: m.method,
        enabled: m.enabled,
        enabledAt: m.enabledAt?.toISOString() ?? null,
      })),
      backupCodesRemaining,
      required,
      enrolmentDeadline:
        required && !enrolled
          ? enrolmentDeadline(user.createdAt, this.config.mfaEnrollmentGraceHours).toISOString()
          : null,
    };
  }

  /** Starts the setup of a method: the TOTP secret to scan, or a code sent to the phone or email. */
  async setup(dto: SetupMfaDto): Promise<TotpSetupDto | CodeSentDto> {
    const user = await this.caller();
    if (dto.destination !== undefined && dto.method !== 'sms') {
      throw new BadInput('destination applies to the sms method only');
    }
    // Adding a factor to an account MFA already protects (which also renews its backup codes) takes the
    // password, as disabling one does: a stolen session alone must not change the account's factors.
    const enabled = await this.mfa.enabledMethods(user.tenantId, user.id);
    if (enabled.includes(dto.method)) throw alreadyEnabled(dto.method);
    if (enabled.length > 0) {
      if (dto.password === undefined) throw new BadInput('password is required to add a method to an account with MFA');
      await this.confirmPassword(user, dto.password);
    }
    switch (dto.method) {
      case 'totp': {
        const secret = newTotpSecret();
        await this.startPending(user, 'totp', this.cipher.encrypt(secret), null);
        const otpauth = otpauthUrl({ secretBase32: secret, issuer: this.config.mfaIssuer, account: user.username });
        return { secret, otpauthUrl: otpauth, qrCode: await toDataURL(otpauth, { errorCorrectionLevel: 'M' }) };
      }
      case 'email':
        await this.startPending(user, 'email', null, null);
        return this.codes.issue({
          tenantId: user.tenantId,
          userId: user.id,
          method: 'email',
          stage: 'setup',
          to: user.email,
        });
      case 'sms': {
        const phone = dto.destination ?? (await this.contactPhone(user));
        if (!phone) {
          throw new BadInput(
            'No phone number: pass destination (E.164) or set a mobile phone in your contact info first',
          );
        }
        await this.startPending(user, 'sms', null, this.cipher.encrypt(phone));
        return this.codes.issue({ tenantId: user.tenantId, userId: user.id, method: 'sms', stage: 'setup', to: phone });
      }
    }
  }

  /**
   * Enables a method with its first code and returns a new set of backup codes (replacing any earlier
   * set, so the user holds exactly the codes shown). A session restricted for overdue enrolment is freed.
   */
  async verify(dto: VerifyMfaDto): Promise<BackupCodesDto> {
    const user = await this.caller();
    const pending = await this.mfa.findMethod(user.tenantId, user.id, dto.method);
    if (pending?.enabled) throw new Conflict(`${dto.method} is already enabled`);
    if (!pending || (dto.method === 'totp' && !pending.secretEnc)) {
      throw new BadInput(`No ${dto.method} setup is pending: call /auth/mfa/setup first`);
    }

    let step: number | undefined;
    if (dto.method === 'totp') {
      step = matchTotp(this.cipher.decrypt(pending.secretEnc!), dto.code.trim());
      if (step === undefined) throw new BadInput('The code is not valid; check the time on your device and try again');
    } else if (
      !(await this.codes.verify({
        tenantId: user.tenantId,
        userId: user.id,
        method: dto.method,
        stage: 'setup',
        code: dto.code.trim(),
      }))
    ) {
      throw new BadInput('The code is not valid or has expired; ask for a new one');
    }

    const backupCodes = Array.from({ length: this.config.mfaBackupCodesCount }, newBackupCode);
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.mfa.enable(manager, pending.id, step))) throw new Conflict(`${dto.method} is already enabled`);
      await this.mfa.replaceBackupCodes(manager, user.tenantId, user.id, backupCodes.map(hashBackupCode));
      await this.audit.record(
        { tenantId: user.tenantId, action: 'auth.mfa.enabled', targetId: user.id, metadata: { method: dto.method } },
        manager,
      );
    });
    const sessionId = this.context.principal?.sessionId;
    if (sessionId) await this.sessions.liftRestriction({ tenantId: user.tenantId, sessionId }, 'mfa_setup');
    return { backupCodes };
  }

  /** A new set of backup codes; the old ones stop working. */
  async regenerateBackupCodes(password: string): Promise<BackupCodesDto> {
    const user = await this.caller();
    await this.confirmPassword(user, password);
    if ((await this.mfa.enabledMethods(user.tenantId, user.id)).length === 0) {
      throw new BusinessRuleViolation('Enable an MFA method first; backup codes come with it');
    }
    const backupCodes = Array.from({ length: this.config.mfaBackupCodesCount }, newBackupCode);
    await this.dataSource.transaction(async (manager) => {
      await this.mfa.replaceBackupCodes(manager, user.tenantId, user.id, backupCodes.map(hashBackupCode));
      await this.audit.record(
        { tenantId: user.tenantId, action: 'auth.mfa.backup_codes_regenerated', targetId: user.id, metadata: {} },
        manager,
      );
    });
    return { backupCodes };
  }

  /**
   * Disables a method (or abandons its pending setup). Refused (422) when it is the last one and the
   * tenant's policy requires MFA of the user. With no method left, backup codes and trusted devices go too.
   */
  async disable(method: MfaMethod, password: string): Promise<void> {
    const user = await this.caller();
    await this.confirmPassword(user, password);
    const policy = await this.policies.policyFor(user.tenantId);
    await this.dataSource.transaction(async (manager) => {
      // Locked, so that two requests disabling two methods at once cannot both see "not the last one".
      const methods = await this.mfa.lockMethods(manager, user.tenantId, user.id);
      const existing = methods.find((m) => m.method === method);
      if (!existing) throw new NotFound(`MFA method ${method}`);
      const last = existing.enabled && methods.filter((m) => m.enabled).length === 1;
      if (last && mfaRequiredFor(user.userType, policy)) {
        throw new BusinessRuleViolation(
          'MFA is required for your account: enable another method before disabling this one',
        );
      }
      await this.mfa.deleteMethod(manager, user.tenantId, user.id, method);
      if (isCodeMethod(method)) await this.codesRepo.retire(manager, user.tenantId, user.id, method);
      let devicesRevoked = 0;
      if (last) {
        await this.mfa.deleteBackupCodes(manager, user.tenantId, user.id);
        devicesRevoked = await this.devices.revokeAll(user.tenantId, user.id, manager);
      }
      if (existing.enabled) {
        await this.audit.record(
          {
            tenantId: user.tenantId,
            action: 'auth.mfa.disabled',
            targetId: user.id,
            metadata: { method, devicesRevoked },
          },
          manager,
        );
      }
    });
  }

  /** An administrator's reset: every method, backup code and pending code goes, every trusted device is revoked. */
  async reset(userId: string): Promise<void> {
    const tenantId = this.context.tenantId;
    const user = await this.users.findById(tenantId, userId);
    if (!user) throw new NotFound('User');
    await this.dataSource.transaction(async (manager) => {
      const methods = await this.mfa.deleteAllMethods(manager, tenantId, user.id);
      await this.mfa.deleteBackupCodes(manager, tenantId, user.id);
      await this.codesRepo.deleteForUser(manager, tenantId, user.id);
      const devicesRevoked = await this.devices.revokeAll(tenantId, user.id, manager);
      await this.audit.record(
        { tenantId, action: 'auth.mfa.reset', targetId: user.id, metadata: { methods, devicesRevoked } },
        manager,
      );
    });
  }

  private async caller(): Promise<User> {
    const principal = this.context.requirePrincipal();
    const user = await this.users.findById(principal.homeTenantId, principal.userId);
    if (!user) throw new NotFound('User');
    return user;
  }

  private async startPending(
    user: User,
    method: MfaMethod,
    secretEnc: string | null,
    destinationEnc: string | null,
  ): Promise<void> {
    const started = await this.mfa.upsertPending({
      tenantId: user.tenantId,
      userId: user.id,
      method,
      secretEnc,
      destinationEnc,
    });
    if (!started) throw alreadyEnabled(method);
  }

  private async contactPhone(user: User): Promise<string | null> {
    const phones = await this.mfa.findContactPhonesEnc(user.tenantId, user.id);
    return this.cipher.decrypt(phones.mobile ?? phones.phone);
  }

  private confirmPassword(user: User, password: string): Promise<void> {
    return this.reauthentication.confirm({ tenantId: user.tenantId, userId: user.id, password }, MFA_CHANGE_REFUSAL);
  }
}

const alreadyEnabled = (method: MfaMethod) =>
  new Conflict(`${method} is already enabled; disable it before setting it up again`);
