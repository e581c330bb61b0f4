import type { GeoLocation } from '../sessions/entities/session.entity';

/** A record of MaxMind's GeoLite2/GeoIP2 City database (the fields we read). */
interface MaxMindCityRecord {
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  city?: { names?: Record<string, string> };
  location?: { latitude?: number; longitude?: number };
}

/** A record of the ip-location-db city databases (the default one shipped with the package): flat fields. */
interface FlatCityRecord {
  country_code?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Either database's record as the contract's `location`; null when it names no country and no coordinates. */
export function toGeoLocation(record: unknown): GeoLocation | null {
  if (!record || typeof record !== 'object') return null;
  let location: GeoLocation;
  if ('country_code' in record || typeof (record as FlatCityRecord).city === 'string') {
    const flat = record as FlatCityRecord;
    location = {
      country: text(flat.country_code)?.toUpperCase() ?? null,
      city: text(flat.city),
      latitude: num(flat.latitude),
      longitude: num(flat.longitude),
    };
  } else {
    const mm = record as MaxMindCityRecord;
    location = {
      country: text(mm.country?.iso_code ?? mm.registered_country?.iso_code)?.toUpperCase() ?? null,
      city: text(mm.city?.names?.en),
      latitude: num(mm.location?.latitude),
      longitude: num(mm.location?.longitude),
    };
  }
  return location.country || (location.latitude !== null && location.longitude !== null) ? location : null;
}
