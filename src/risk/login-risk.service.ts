import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { NotificationsService } from '../notifications/notifications.service';
import { deviceId, parseDevice } from '../sessions/device';
import type { GeoLocation } from '../sessions/entities/session.entity';
import type { User } from '../users/entities/user.entity';
import { LoginHistoryRepository } from './login-history.repository';
import { travelBetween } from './travel';

export interface LoginRisk {
  /** The first login from this device or country (not the user's first login ever). */
  newDevice: boolean;
  /** Impossible travel since the previous login. */
  suspicious: boolean;
}

/**
 * Compares a login whose password was right with the user's earlier logins: a new device or country is
 * audited (`auth.login.new_device`) and told to the user; impossible travel is audited
 * (`auth.login.suspicious`), told to the user, and reported so that the caller may step up to MFA.
 */
@Injectable()
export class LoginRiskService {
  private readonly logger = new Logger('LoginRisk');

  constructor(
    private readonly history: LoginHistoryRepository,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly context: RequestContext,
  ) {}

  async assess(user: User, location: GeoLocation | null): Promise<LoginRisk> {
    const userAgent = this.context.userAgent;
    const now = new Date();
    const h = await this.history.history(user.tenantId, user.id, deviceId(userAgent), location?.country ?? null);
    if (!h.previous) return { newDevice: false, suspicious: false };

    const unseenDevice = !h.knownDevice;
    const unseenCountry = !h.knownCountry;
    const travel = travelBetween(h.previous, { location, at: now });
    const where = describe(userAgent, location);

    if (unseenDevice || unseenCountry) {
      await this.audit.record({
        tenantId: user.tenantId,
        action: 'auth.login.new_device',
        actorId: user.id,
        targetId: user.id,
        metadata: { newDevice: unseenDevice, newCountry: unseenCountry },
      });
      await this.notify(
        user,
        'new_device',
        'New sign-in to your account',
        `Your account was signed in to from ${where} at ${now.toISOString()}. ` +
          'If this was not you, change your password now and review your sessions and trusted devices.',
      );
    }
    if (travel?.impossible) {
      await this.audit.record({
        tenantId: user.tenantId,
        action: 'auth.login.suspicious',
        actorId: user.id,
        targetId: user.id,
        success: false,
        metadata: {
          reason: 'impossible_travel',
          distanceKm: travel.distanceKm,
          elapsedMinutes: travel.elapsedMinutes,
          speedKmh: travel.speedKmh,
        },
      });
      await this.notify(
        user,
        'suspicious_login',
        'Suspicious sign-in to your account',
        `A sign-in from ${where} at ${now.toISOString()} is ${travel.distanceKm} km away from your previous one ` +
          `${travel.elapsedMinutes} minutes earlier. If this was not you, change your password now.`,
      );
    }
    return { newDevice: unseenDevice || unseenCountry, suspicious: travel?.impossible ?? false };
  }

  /** A failed notification must not fail the login it is about. */
  private async notify(
    user: User,
    kind: 'new_device' | 'suspicious_login',
    subject: string,
    text: string,
  ): Promise<void> {
    try {
      await this.notifications.send({ channel: 'email', to: user.email, subject, text, kind });
    } catch (err) {
      this.logger.warn({ err, kind }, 'could not send a sign-in notification');
    }
  }
}

function describe(userAgent: string | undefined, location: GeoLocation | null): string {
  const d = parseDevice(userAgent);
  const device = [d.browser, d.os].filter(Boolean).join(' on ') || 'an unknown device';
  const place = location ? [location.city, location.country].filter(Boolean).join(', ') : '';
  return place ? `${device} in ${place}` : device;
}
