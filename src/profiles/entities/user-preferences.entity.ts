import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('user_preferences_v2')
export class UserPreferences {
  @PrimaryColumn('uuid')
  userId: string;

  @Column('uuid')
  tenantId: string;

  @Column('text', { nullable: true })
  language: string | null;

  @Column('text', { nullable: true })
  theme: string | null;

  @Column('boolean')
  notifyEmail: boolean;

  @Column('boolean')
  notifySms: boolean;

  @Column('jsonb')
  settings: Record<string, unknown>;

  @Column('timestamptz')
  updatedAt: Date;
}
