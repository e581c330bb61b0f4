import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('user_profiles_v2')
export class UserProfile {
  @PrimaryColumn('uuid')
  userId: string;

  @Column('uuid')
  tenantId: string;

  @Column('text', { nullable: true })
  displayName: string | null;

  @Column('text', { nullable: true })
  avatarUrl: string | null;

  @Column('text', { nullable: true })
  bio: string | null;

  @Column('text', { nullable: true })
  jobTitle: string | null;

  @Column('text', { nullable: true })
  department: string | null;

  @Column('text', { nullable: true })
  timezone: string | null;

  @Column('text', { nullable: true })
  locale: string | null;

  @Column('timestamptz')
  updatedAt: Date;
}
