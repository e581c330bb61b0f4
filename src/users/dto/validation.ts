import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
  ValidationOptions,
  buildMessage,
} from 'class-validator';

/**
 * The field rules of accounts, shared by every DTO that takes them (admin create and update, self-service,
 * registration, invitations), so that a username valid in one place is valid in all.
 */

export const USERNAME_PATTERN = /^[a-zA-Z0-9._-]+$/;
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/** 3–50 characters of `[a-zA-Z0-9._-]`. */
export const IsUsername = () =>
  applyDecorators(
    IsString(),
    Length(3, 50),
    Matches(USERNAME_PATTERN, { message: 'username may only contain letters, digits, ".", "_" and "-"' }),
  );

/** An RFC 5322 address (host names without a TLD allowed, e.g. `admin@localhost`), stored in lower case. */
export const IsNormalizedEmail = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsString(),
    MaxLength(254),
    IsEmail({ require_tld: false, allow_display_name: false, allow_ip_domain: false }),
  );

/** A phone number in E.164 form: `+` and up to 15 digits. */
export const IsE164 = () =>
  applyDecorators(
    IsString(),
    Matches(E164_PATTERN, {
      message: ({ property }) => `${property} must be an E.164 phone number such as +14155550123`,
    }),
  );

/**
 * The field may be left out (unchanged) but, when present, must not be null: for values that always
 * exist (username, email, names).
 */
export const OptionalNotNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** Text without control characters (names, titles: what is shown to people). */
export const NoControlChars = (options?: ValidationOptions) =>
  Matches(/^[^\p{Cc}]*$/u, {
    message: ({ property }) => `${property} must not contain control characters`,
    ...options,
  });

/** An IANA time-zone name such as `Europe/Berlin` or `UTC` (not a bare offset). */
export const IsIanaTimeZone = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isIanaTimeZone',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isIanaTimeZone(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an IANA time zone such as Europe/Berlin`,
          options,
        ),
      },
    },
    options,
  );

export function isIanaTimeZone(value: string): boolean {
  if (value.length > 64 || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A BCP 47 language tag such as `en`, `de-CH` or `pt-BR`. */
export const IsLanguageTag = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isLanguageTag',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isLanguageTag(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a BCP 47 language tag such as en or de-CH`,
          options,
        ),
      },
    },
    options,
  );

export function isLanguageTag(value: string): boolean {
  if (value.length > 35 || !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(value)) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** An absolute http(s) URL. */
export const IsHttpUrl = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isHttpUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isHttpUrl(value),
        defaultMessage: buildMessage((each) => `${each}$property must be an absolute http(s) URL`, options),
      },
    },
    options,
  );

export function isHttpUrl(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A calendar date `YYYY-MM-DD` that exists, between 1900-01-01 and today. */
export const IsPastDate = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isPastDate',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isPastDate(value),
        defaultMessage: buildMessage((each) => `${each}$property must be a past date in the form YYYY-MM-DD`, options),
      },
    },
    options,
  );

export function isPastDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return false;
  return value >= '1900-01-01' && date.getTime() <= Date.now();
}

/** A JSON object whose serialized form is at most `maxBytes` bytes. */
export const MaxJsonBytes = (maxBytes: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'maxJsonBytes',
      constraints: [maxBytes],
      validator: {
        validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= maxBytes,
        defaultMessage: buildMessage((each) => `${each}$property must be at most ${maxBytes} bytes as JSON`, options),
      },
    },
    options,
  );

/**
 * A field the caller may never set on this route: the request is refused with a message naming it rather
 * than the generic "should not exist".
 */
export const Refused = (message: string) =>
  applyDecorators(
    ValidateIf((_object: object, value: unknown) => value !== undefined),
    ValidateBy({
      name: 'refused',
      validator: { validate: () => false, defaultMessage: () => message },
    }),
  );
