import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('user_passwords_v2')
export class UserPassword {
  @PrimaryColumn('uuid')
  userId: string;

  @Column('uuid')
  tenantId: string;

  @Column('text')
  passwordHash: string;

  @Column('timestamptz')
  changedAt: Date;

  @Column('boolean')
  mustChange: boolean;
}
