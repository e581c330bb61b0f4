import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { SessionRestriction } from '../../common/context/request-context';

export interface DeviceInfo {
  browser: string | null;
  os: string | null;
  type: string;
}

export interface GeoLocation {
  country: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
}

@Entity('user_sessions_v2')
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  userId: string;

  @Column('text')
  refreshTokenHash: string;

  @Column('text', { nullable: true })
  previousRefreshTokenHash: string | null;

  /** sha256 of the secret every refresh token of this session carries (see newRefreshToken). */
  @Column('text', { nullable: true })
  refreshFamilyHash: string | null;

  /** The last token pair issued, encrypted (FieldCipher); kept only while REFRESH_REUSE_GRACE_SECONDS > 0. */
  @Column('text', { nullable: true })
  lastIssuedPairEnc: string | null;

  @Column('timestamptz', { nullable: true })
  rotatedAt: Date | null;

  @Column('integer')
  rotationCounter: number;

  @Column('text', { nullable: true })
  ipAddress: string | null;

  @Column('text', { nullable: true })
  userAgent: string | null;

  @Column('jsonb', { nullable: true })
  device: DeviceInfo | null;

  @Column('text', { nullable: true })
  deviceId: string | null;

  @Column('jsonb', { nullable: true })
  location: GeoLocation | null;

  @Column('text', { nullable: true })
  restriction: SessionRestriction | null;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz')
  lastActiveAt: Date;

  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;

  @Column('text', { nullable: true })
  revokedReason: string | null;

  /** Ended long ago, kept only as the user's login history (SessionsRepository.purgeEndedBefore). */
  @Column('boolean')
  keptForLoginHistory: boolean;
}
