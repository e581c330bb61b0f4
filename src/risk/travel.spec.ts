import { toGeoLocation } from './geo-record';
import { distanceKm, travelBetween } from './travel';

const berlin = { country: 'DE', city: 'Berlin', latitude: 52.52, longitude: 13.405 };
const potsdam = { country: 'DE', city: 'Potsdam', latitude: 52.3906, longitude: 13.0645 };
const newYork = { country: 'US', city: 'New York', latitude: 40.7128, longitude: -74.006 };
const at = (iso: string) => new Date(iso);

describe('travel between logins', () => {
  it('measures great-circle distances', () => {
    expect(distanceKm(berlin, newYork)).toBeGreaterThan(6350);
    expect(distanceKm(berlin, newYork)).toBeLessThan(6420);
    expect(distanceKm(berlin, berlin)).toBe(0);
  });

  it('calls Berlin → New York in one hour impossible, and in ten hours possible', () => {
    const t0 = at('2026-01-01T10:00:00Z');
    expect(
      travelBetween({ location: berlin, at: t0 }, { location: newYork, at: at('2026-01-01T11:00:00Z') }),
    ).toMatchObject({
      impossible: true,
      elapsedMinutes: 60,
    });
    expect(
      travelBetween({ location: berlin, at: t0 }, { location: newYork, at: at('2026-01-01T20:00:00Z') })?.impossible,
    ).toBe(false);
  });

  it('does not count GeoIP imprecision between nearby places as travel, even at once', () => {
    const t0 = at('2026-01-01T10:00:00Z');
    expect(travelBetween({ location: berlin, at: t0 }, { location: potsdam, at: t0 })?.impossible).toBe(false);
    expect(travelBetween({ location: berlin, at: t0 }, { location: newYork, at: t0 })?.impossible).toBe(true);
  });

  it('says nothing without coordinates on both sides', () => {
    const t0 = at('2026-01-01T10:00:00Z');
    expect(travelBetween({ location: null, at: t0 }, { location: newYork, at: t0 })).toBeUndefined();
    const noCoordinates = { country: 'US', city: null, latitude: null, longitude: null };
    expect(travelBetween({ location: berlin, at: t0 }, { location: noCoordinates, at: t0 })).toBeUndefined();
  });
});

describe('GeoIP records', () => {
  it('reads the flat records of the packaged database', () => {
    expect(
      toGeoLocation({ city: 'Bracknell', country_code: 'GB', latitude: 51.4, longitude: -0.76, postcode: 'RG12' }),
    ).toEqual({ country: 'GB', city: 'Bracknell', latitude: 51.4, longitude: -0.76 });
    expect(toGeoLocation({ city: '', country_code: 'US', latitude: 37.75, longitude: -97.82 })).toEqual({
      country: 'US',
      city: null,
      latitude: 37.75,
      longitude: -97.82,
    });
  });

  it('reads MaxMind GeoLite2-City records', () => {
    expect(
      toGeoLocation({
        city: { geoname_id: 2950159, names: { en: 'Berlin', de: 'Berlin' } },
        country: { geoname_id: 2921044, iso_code: 'DE', names: { en: 'Germany' } },
        location: { latitude: 52.5244, longitude: 13.4105, accuracy_radius: 20 },
      }),
    ).toEqual({ country: 'DE', city: 'Berlin', latitude: 52.5244, longitude: 13.4105 });
  });

  it('gives null for no record or an empty one', () => {
    expect(toGeoLocation(null)).toBeNull();
    expect(toGeoLocation(undefined)).toBeNull();
    expect(toGeoLocation({})).toBeNull();
  });
});
