import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { UserType } from '../../common/user-types';

@Entity('invitations')
export class Invitation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('text')
  email: string;

  @Column('text')
  userType: UserType;

  @Column('text', { array: true })
  roles: string[];

  /** sha256 of the token; the token itself only ever leaves through the notification port. */
  @Column('text')
  tokenHash: string;

  @Column('uuid', { nullable: true })
  invitedBy: string | null;

  @Column('uuid', { nullable: true })
  userId: string | null;

  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz', { nullable: true })
  acceptedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
