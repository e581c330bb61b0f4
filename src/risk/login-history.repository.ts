import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { prepared } from '../database/prepared-statements';
import type { GeoLocation } from '../sessions/entities/session.entity';

export interface LoginHistory {
  /** The user's most recent login (session), if any. */
  previous: { location: GeoLocation | null; at: Date } | undefined;
  knownDevice: boolean;
  /** True as well when the current country is unknown (nothing to compare). */
  knownCountry: boolean;
}

/** What earlier logins (sessions, revoked and expired ones included) say about a user; read-only. */
@Injectable()
export class LoginHistoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async history(tenantId: string, userId: string, deviceId: string, country: string | null): Promise<LoginHistory> {
    const [row] = await this.dataSource.query<
      { location: GeoLocation | null; created_at: Date | null; known_device: boolean; known_country: boolean }[]
    >(
      prepared(`SELECT last.location, last.created_at,
              EXISTS (SELECT 1 FROM user_sessions_v2 WHERE tenant_id = $1 AND user_id = $2 AND device_id = $3) AS known_device,
              ($4::text IS NULL OR EXISTS (SELECT 1 FROM user_sessions_v2
                 WHERE tenant_id = $1 AND user_id = $2 AND location->>'country' = $4)) AS known_country
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (SELECT location, created_at FROM user_sessions_v2
                             WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC LIMIT 1) last ON true`),
      [tenantId, userId, deviceId, country],
    );
    return {
      previous: row.created_at ? { location: row.location, at: row.created_at } : undefined,
      knownDevice: row.known_device,
      knownCountry: row.known_country,
    };
  }
}
