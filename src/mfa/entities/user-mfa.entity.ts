import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MfaMethod } from '../mfa-methods';

/** One MFA method of a user: pending from setup until a code proves it, then enabled. */
@Entity('user_mfa_v2')
export class UserMfa {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  userId: string;

  @Column('text')
  method: MfaMethod;

  /** The TOTP secret, encrypted with FieldCipher. */
  @Column('text', { nullable: true })
  secretEnc: string | null;

  /** The phone number SMS codes go to, encrypted (email codes go to the account's email). */
  @Column('text', { nullable: true })
  destinationEnc: string | null;

  @Column('boolean')
  enabled: boolean;

  /** The last TOTP time step accepted: a code of this step or an earlier one is a replay. (bigint: a string) */
  @Column('bigint', { nullable: true })
  lastUsedStep: string | null;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz', { nullable: true })
  enabledAt: Date | null;
}
