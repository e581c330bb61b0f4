import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FieldCipher } from '../common/crypto/field-cipher';
import type { ContactInfoInput, PreferencesInput, ProfileInput } from './dto/profile.dto';
import { ProfilePartsDto, toProfilePartsDto } from './profiles.mapper';
import { ColumnChanges, ProfilesRepository } from './profiles.repository';

export interface ProfileChanges {
  profile?: ProfileInput;
  contactInfo?: ContactInfoInput;
  preferences?: PreferencesInput;
}

/** Request field → column, per side table: the only names that ever reach SQL. */
const PROFILE_COLUMNS: Record<keyof ProfileInput, string> = {
  displayName: 'display_name',
  avatarUrl: 'avatar_url',
  bio: 'bio',
  jobTitle: 'job_title',
  department: 'department',
  timezone: 'timezone',
  locale: 'locale',
};

const CONTACT_COLUMNS: Record<keyof ContactInfoInput, string> = {
  phone: 'phone_enc',
  mobilePhone: 'mobile_phone_enc',
  addressLine1: 'address_line1_enc',
  addressLine2: 'address_line2_enc',
  city: 'city_enc',
  state: 'state_enc',
  postalCode: 'postal_code_enc',
  country: 'country_enc',
  dateOfBirth: 'date_of_birth_enc',
};

/** The profile, contact information (encrypted per column) and preferences of an account. */
@Injectable()
export class ProfilesService {
  constructor(
    private readonly profiles: ProfilesRepository,
    private readonly cipher: FieldCipher,
  ) {}

  async read(tenantId: string, userId: string): Promise<ProfilePartsDto> {
    return toProfilePartsDto(await this.profiles.load(tenantId, userId), this.cipher);
  }

  /**
   * Applies a partial change inside the caller's transaction and returns the names of the fields it
   * touched (`profile.bio`, `contactInfo.phone`, ...) for the audit entry: names only, never values.
   */
  async apply(manager: EntityManager, tenantId: string, userId: string, changes: ProfileChanges): Promise<string[]> {
    const touched: string[] = [];

    const profile: ColumnChanges = {};
    for (const [field, column] of Object.entries(PROFILE_COLUMNS) as [keyof ProfileInput, string][]) {
      const value = changes.profile?.[field];
      if (value === undefined) continue;
      profile[column] = value;
      touched.push(`profile.${field}`);
    }
    await this.profiles.upsert(manager, 'user_profiles_v2', tenantId, userId, profile);

    const contact: ColumnChanges = {};
    for (const [field, column] of Object.entries(CONTACT_COLUMNS) as [keyof ContactInfoInput, string][]) {
      const value = changes.contactInfo?.[field];
      if (value === undefined) continue;
      contact[column] = this.cipher.encrypt(field === 'country' && value ? value.toUpperCase() : value);
      touched.push(`contactInfo.${field}`);
    }
    await this.profiles.upsert(manager, 'user_contact_info_v2', tenantId, userId, contact);

    const prefs: ColumnChanges = {};
    const p = changes.preferences;
    if (p?.language !== undefined) prefs.language = p.language;
    if (p?.theme !== undefined) prefs.theme = p.theme;
    if (p?.notifications?.email !== undefined) prefs.notify_email = p.notifications.email;
    if (p?.notifications?.sms !== undefined) prefs.notify_sms = p.notifications.sms;
    if (p?.settings !== undefined) prefs.settings = p.settings;
    const prefNames: Record<string, string> = { notify_email: 'notifications.email', notify_sms: 'notifications.sms' };
    touched.push(...Object.keys(prefs).map((c) => `preferences.${prefNames[c] ?? c}`));
    await this.profiles.upsert(manager, 'user_preferences_v2', tenantId, userId, prefs);

    return touched;
  }
}
