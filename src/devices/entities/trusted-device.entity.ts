import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DeviceInfo } from '../../sessions/entities/session.entity';

/** A device on which the user passed MFA and asked not to be asked again (for MFA_TRUST_DAYS). */
@Entity('trusted_devices')
export class TrustedDevice {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  userId: string;

  /** sha256 of the device token; the token itself is shown once, to the device. */
  @Column('text')
  tokenHash: string;

  @Column('text', { nullable: true })
  deviceId: string | null;

  @Column('jsonb', { nullable: true })
  device: DeviceInfo | null;

  @Column('text', { nullable: true })
  ipAddress: string | null;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz', { nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;
}
