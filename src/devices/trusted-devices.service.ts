import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../common/context/request-context';
import { NotFound } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { deviceId, parseDevice } from '../sessions/device';
import { hashToken } from '../sessions/sessions.service';
import type { User } from '../users/entities/user.entity';
import type { TrustedDeviceDto, TrustedDeviceListDto, TrustedDeviceListQuery } from './dto/trusted-device.dto';
import type { TrustedDevice } from './entities/trusted-device.entity';
import { TrustedDevicesRepository } from './trusted-devices.repository';

export function toTrustedDeviceDto(d: TrustedDevice): TrustedDeviceDto {
  return {
    id: d.id,
    device: d.device,
    ipAddress: d.ipAddress,
    createdAt: d.createdAt.toISOString(),
    lastUsedAt: d.lastUsedAt?.toISOString() ?? null,
    expiresAt: d.expiresAt.toISOString(),
  };
}

/**
 * Device trust after MFA: a random device token (only its sha256 is stored), bound to the device id of
 * the user agent it was issued to, valid MFA_TRUST_DAYS. A login presenting it from the same device
 * skips MFA.
 */
@Injectable()
export class TrustedDevicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly devices: TrustedDevicesRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  /** Whether device trust is on at all (MFA_TRUST_DAYS > 0). */
  get enabled(): boolean {
    return this.config.mfaTrustDays > 0;
  }

  /** Trusts the calling device for the user; the token is returned once. */
  async trust(user: User): Promise<{ deviceToken: string; expiresAt: Date }> {
    const deviceToken = `dt_${randomBytes(32).toString('base64url')}`;
    const userAgent = this.context.userAgent;
    const expiresAt = new Date(Date.now() + this.config.mfaTrustDays * 86_400_000);
    await this.dataSource.transaction(async (manager) => {
      const device = await this.devices.insert(manager, {
        tenantId: user.tenantId,
        userId: user.id,
        tokenHash: hashToken(deviceToken),
        deviceId: deviceId(userAgent),
        device: parseDevice(userAgent),
        ipAddress: this.context.ip ?? null,
        createdAt: new Date(),
        expiresAt,
      });
      await this.audit.record(
        {
          tenantId: user.tenantId,
          action: 'auth.device.trusted',
          actorId: user.id,
          targetId: user.id,
          metadata: { trustedDeviceId: device.id },
        },
        manager,
      );
    });
    return { deviceToken, expiresAt };
  }

  /** True when the token is a live trust of this user, presented from the device it was issued to. */
  async isTrusted(user: User, deviceToken: string | undefined): Promise<boolean> {
    if (!deviceToken || !this.enabled) return false;
    const id = await this.devices.use(user.tenantId, user.id, hashToken(deviceToken), deviceId(this.context.userAgent));
    return id !== undefined;
  }

  async listOwn(query: TrustedDeviceListQuery): Promise<TrustedDeviceListDto> {
    const principal = this.context.requirePrincipal();
    const [devices, total] = await this.devices.listActive(
      principal.homeTenantId,
      principal.userId,
      query.page,
      query.pageSize,
    );
    return { items: devices.map(toTrustedDeviceDto), total, page: query.page, pageSize: query.pageSize };
  }

  async revokeOwn(id: string): Promise<void> {
    const principal = this.context.requirePrincipal();
    await this.dataSource.transaction(async (manager) => {
      const revoked = await this.devices.revoke(manager, {
        tenantId: principal.homeTenantId,
        userId: principal.userId,
        id,
      });
      if (revoked.length === 0) throw new NotFound('Trusted device');
      await this.audit.record(
        {
          tenantId: principal.homeTenantId,
          action: 'auth.device.revoked',
          targetId: principal.userId,
          metadata: { trustedDeviceId: id },
        },
        manager,
      );
    });
  }

  /**
   * Revokes every trusted device of a user (password change, MFA reset); the caller audits its own action,
   * in the same transaction when it passes its manager. Returns how many were revoked.
   */
  async revokeAll(tenantId: string, userId: string, manager?: EntityManager): Promise<number> {
    return (await this.devices.revoke(manager, { tenantId, userId })).length;
  }
}
