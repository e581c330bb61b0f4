import type { GeoLocation } from '../sessions/entities/session.entity';

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance (haversine) in kilometres. */
export function distanceKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Faster than this between two logins cannot be one person travelling (the contract's 1,000 km/h). */
export const IMPOSSIBLE_SPEED_KMH = 1000;

/**
 * City-level GeoIP positions are often tens of kilometres off (and an ISP's address block may be placed
 * at the country's centre), so this much of any distance is not counted as travel.
 */
export const GEO_ACCURACY_ALLOWANCE_KM = 100;

export interface Travel {
  distanceKm: number;
  elapsedMinutes: number;
  speedKmh: number;
  impossible: boolean;
}

/** The travel implied by two logins, or undefined when either has no coordinates. */
export function travelBetween(
  previous: { location: GeoLocation | null; at: Date },
  current: { location: GeoLocation | null; at: Date },
): Travel | undefined {
  const p = previous.location;
  const c = current.location;
  if (p?.latitude == null || p.longitude == null || c?.latitude == null || c.longitude == null) return undefined;
  const km = distanceKm(
    { latitude: p.latitude, longitude: p.longitude },
    { latitude: c.latitude, longitude: c.longitude },
  );
  const counted = Math.max(0, km - GEO_ACCURACY_ALLOWANCE_KM);
  // At least one second, so that two logins in the same instant give a finite (and huge) speed.
  const hours = Math.max(current.at.getTime() - previous.at.getTime(), 1000) / 3_600_000;
  const speedKmh = counted / hours;
  return {
    distanceKm: Math.round(km),
    elapsedMinutes: Math.round((current.at.getTime() - previous.at.getTime()) / 60_000),
    speedKmh: Math.round(speedKmh),
    impossible: speedKmh > IMPOSSIBLE_SPEED_KMH,
  };
}
