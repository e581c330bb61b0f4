import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A user's API key: only its sha256 hash is stored; the key itself is shown once, at creation. */
@Entity('user_api_keys_v2')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  userId: string;

  @Column('text')
  name: string;

  @Column('text')
  prefix: string;

  @Column('text')
  keyHash: string;

  @Column('text', { array: true })
  scopes: string[];

  @Column('timestamptz', { nullable: true })
  expiresAt: Date | null;

  @Column('timestamptz', { nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;

  @Column('text', { nullable: true })
  revokedReason: string | null;

  @Column('timestamptz')
  createdAt: Date;
}
