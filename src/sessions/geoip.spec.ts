import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { GeoIpService, toGeoLocation } from './geoip';

describe('GeoIP', () => {
  beforeAll(() => Logger.overrideLogger(false));
  const service = (geoipDbPath?: string) => new GeoIpService(Object.assign(new AppConfig(), { geoipDbPath }));

  it('places public IPv4 and IPv6 addresses with the shipped GeoLite2 databases', async () => {
    const geo = service();
    expect(await geo.locate('8.8.8.8')).toMatchObject({
      country: 'US',
      latitude: expect.any(Number),
      longitude: expect.any(Number),
    });
    expect(await geo.locate('::ffff:8.8.8.8')).toMatchObject({ country: 'US' });
    expect(await geo.locate('2001:4860:4860::8888')).toMatchObject({ country: expect.stringMatching(/^[A-Z]{2}$/) });
  });

  it('gives null for private, loopback, malformed and missing addresses', async () => {
    const geo = service();
    for (const ip of [
      '10.1.2.3',
      '192.168.0.1',
      '172.20.0.1',
      '127.0.0.1',
      '::1',
      'fe80::1',
      '100.64.0.1',
      'not-an-ip',
      '',
      undefined,
    ]) {
      expect(await geo.locate(ip)).toBeNull();
    }
  });

  it('gives null when the configured database cannot be read', async () => {
    expect(await service('/nonexistent/GeoLite2-City.mmdb').locate('8.8.8.8')).toBeNull();
  });

  it('reads both MaxMind’s record shape and the flat one, empty values as null', () => {
    expect(
      toGeoLocation({
        country: { iso_code: 'DE' },
        city: { names: { en: 'Berlin' } },
        location: { latitude: 52.5, longitude: 13.4 },
      }),
    ).toEqual({ country: 'DE', city: 'Berlin', latitude: 52.5, longitude: 13.4 });
    expect(toGeoLocation({ country_code: 'FR', city: '', latitude: 48.8, longitude: 2.3 })).toEqual({
      country: 'FR',
      city: null,
      latitude: 48.8,
      longitude: 2.3,
    });
    expect(toGeoLocation(null)).toBeNull();
    expect(toGeoLocation({})).toBeNull();
  });
});
