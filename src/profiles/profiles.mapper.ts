import type { FieldCipher } from '../common/crypto/field-cipher';
import type { ContactInfoDto, PreferencesDto, ProfileDto, Theme } from './dto/profile.dto';
import type { ProfileParts } from './profiles.repository';

export interface ProfilePartsDto {
  profile: ProfileDto;
  contactInfo: ContactInfoDto;
  preferences: PreferencesDto;
}

/**
 * The allowlist of what a client sees of the side tables. Contact data is decrypted here and nowhere
 * else: everything before this point only ever holds the ciphertext.
 */
export function toProfilePartsDto(parts: ProfileParts, cipher: FieldCipher): ProfilePartsDto {
  const { profile: p, contactInfo: c, preferences: pref } = parts;
  return {
    profile: {
      displayName: p?.displayName ?? null,
      avatarUrl: p?.avatarUrl ?? null,
      bio: p?.bio ?? null,
      jobTitle: p?.jobTitle ?? null,
      department: p?.department ?? null,
      timezone: p?.timezone ?? null,
      locale: p?.locale ?? null,
    },
    contactInfo: {
      phone: cipher.decrypt(c?.phoneEnc),
      mobilePhone: cipher.decrypt(c?.mobilePhoneEnc),
      addressLine1: cipher.decrypt(c?.addressLine1Enc),
      addressLine2: cipher.decrypt(c?.addressLine2Enc),
      city: cipher.decrypt(c?.cityEnc),
      state: cipher.decrypt(c?.stateEnc),
      postalCode: cipher.decrypt(c?.postalCodeEnc),
      country: cipher.decrypt(c?.countryEnc),
      dateOfBirth: cipher.decrypt(c?.dateOfBirthEnc),
    },
    preferences: {
      language: pref?.language ?? null,
      theme: (pref?.theme as Theme | null | undefined) ?? null,
      notifications: { email: pref?.notifyEmail ?? true, sms: pref?.notifySms ?? false },
      settings: pref?.settings ?? {},
    },
  };
}
