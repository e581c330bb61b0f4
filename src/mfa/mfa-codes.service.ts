import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import { TooManyRequests } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { NotificationsService } from '../notifications/notifications.service';
import type { CodeSentDto } from './dto/mfa-setup.dto';
import { CodeStage, MfaCodesRepository } from './mfa-codes.repository';
import type { CodeMethod } from './mfa-methods';
import { newNumericCode } from './totp';

export const CODE_TTL_SECONDS = 300;
export const CODE_MAX_ATTEMPTS = 5;
export const CODE_RESEND_SECONDS = 30;

/** Shows enough of a destination for the user to recognise it, and no more. */
export function maskDestination(method: CodeMethod, to: string): string {
  if (method === 'email') {
    const at = to.lastIndexOf('@');
    return at > 0 ? `${to[0]}***${to.slice(at)}` : '***';
  }
  return `${to.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(0, to.length - 3))}${to.slice(-2)}`;
}

/**
 * SMS and email one-time codes: six digits, valid CODE_TTL_SECONDS, CODE_MAX_ATTEMPTS tries; a new code
 * replaces the one in flight at most every CODE_RESEND_SECONDS. Stored as an HMAC (keyed with a key
 * derived from ENCRYPTION_KEY, salted per code): a million possible codes would fall to a plain hash at once.
 */
@Injectable()
export class MfaCodesService {
  private readonly pepper: Buffer;

  constructor(
    private readonly codes: MfaCodesRepository,
    private readonly notifications: NotificationsService,
    config: AppConfig,
  ) {
    this.pepper = createHmac('sha256', config.encryptionKeys[0].key).update('dotmac/mfa-code/v1').digest();
  }

  /** Sends a new code (replacing any unused one); 429 when the last one went out moments ago. */
  issue(o: {
    tenantId: string;
    userId: string;
    method: CodeMethod;
    stage: CodeStage;
    to: string;
  }): Promise<CodeSentDto> {
    return this.codes.withUserLock(o.tenantId, o.userId, o.method, async (manager) => {
      const last = await this.codes.lastSentAt(manager, o.tenantId, o.userId, o.method);
      const waitMs = last ? last.getTime() + CODE_RESEND_SECONDS * 1000 - Date.now() : 0;
      if (waitMs > 0) {
        throw new TooManyRequests(
          'A code was sent moments ago; wait before asking for another',
          Math.ceil(waitMs / 1000),
        );
      }
      await this.codes.retire(manager, o.tenantId, o.userId, o.method);
      const code = newNumericCode();
      const salt = randomBytes(16).toString('base64url');
      await this.codes.insert(manager, { ...o, salt, hash: this.hash(salt, code), ttlSeconds: CODE_TTL_SECONDS });
      await this.notifications.send({
        channel: o.method,
        to: o.to,
        subject: 'Your verification code',
        text: `Your verification code is ${code}. It expires in ${CODE_TTL_SECONDS / 60} minutes. Never share it.`,
        kind: 'mfa_code',
        code,
      });
      return { method: o.method, sentTo: maskDestination(o.method, o.to), expiresIn: CODE_TTL_SECONDS };
    });
  }

  /** One attempt at the user's live code; a right code is spent, a wrong one uses up an attempt. */
  async verify(o: {
    tenantId: string;
    userId: string;
    method: CodeMethod;
    stage: CodeStage;
    code: string;
  }): Promise<boolean> {
    if (!/^\d{6}$/.test(o.code)) return false;
    const live = await this.codes.findLive(o.tenantId, o.userId, o.method, o.stage, CODE_MAX_ATTEMPTS);
    if (!live) return false;
    return this.codes.attempt(live.id, this.hash(live.salt, o.code), CODE_MAX_ATTEMPTS);
  }

  private hash(salt: string, code: string): string {
    return createHmac('sha256', this.pepper).update(`${salt}:${code}`).digest('hex');
  }
}
