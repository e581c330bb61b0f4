import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { UserStatus, UserType } from '../../common/user-types';

@Entity('users_v2')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('text')
  username: string;

  @Column('text')
  email: string;

  @Column('text')
  firstName: string;

  @Column('text')
  lastName: string;

  @Column('text')
  userType: UserType;

  @Column('text')
  status: UserStatus;

  @Column('text', { nullable: true })
  statusReason: string | null;

  @Column('boolean')
  emailVerified: boolean;

  @Column('timestamptz', { nullable: true })
  emailVerifiedAt: Date | null;

  @Column('integer')
  failedLoginAttempts: number;

  @Column('timestamptz', { nullable: true })
  lockedUntil: Date | null;

  @Column('timestamptz', { nullable: true })
  lastLoginAt: Date | null;

  @Column('text', { nullable: true })
  lastLoginIp: string | null;

  @Column('uuid', { nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Column('timestamptz', { nullable: true })
  deletedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  erasedAt: Date | null;
}
