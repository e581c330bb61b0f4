import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Every column holds FieldCipher output (`v1.<keyId>...`), never the clear value. */
@Entity('user_contact_info_v2')
export class UserContactInfo {
  @PrimaryColumn('uuid')
  userId: string;

  @Column('uuid')
  tenantId: string;

  @Column('text', { nullable: true })
  phoneEnc: string | null;

  @Column('text', { nullable: true })
  mobilePhoneEnc: string | null;

  @Column('text', { nullable: true })
  addressLine1Enc: string | null;

  @Column('text', { nullable: true })
  addressLine2Enc: string | null;

  @Column('text', { nullable: true })
  cityEnc: string | null;

  @Column('text', { nullable: true })
  stateEnc: string | null;

  @Column('text', { nullable: true })
  postalCodeEnc: string | null;

  @Column('text', { nullable: true })
  countryEnc: string | null;

  @Column('text', { nullable: true })
  dateOfBirthEnc: string | null;

  @Column('timestamptz')
  updatedAt: Date;
}
