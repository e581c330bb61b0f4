import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { SessionRestriction } from '../common/context/request-context';
import type { UserType } from '../common/user-types';
import { prepared } from '../database/prepared-statements';
import { Statement, updateReturning } from '../database/sql';
import { Session } from './entities/session.entity';

export interface SessionWithUser {
  session: Session;
  userType: UserType;
  userStatus: string;
}

/** What refreshing needs of a session. */
export type RefreshableSession = Pick<
  Session,
  'id' | 'tenantId' | 'userId' | 'refreshTokenHash' | 'previousRefreshTokenHash' | 'lastIssuedPairEnc'
>;

/** Every query on sessions; each names the tenant, but the purge of ended ones. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(Session);
  }

  /** Writes a new session (a statement, so that the sign-in can audit it in the same statement). */
  insertion(s: Session): Statement {
    return {
      sql: prepared(`INSERT INTO user_sessions_v2 (id, tenant_id, user_id, refresh_token_hash, refresh_family_hash, ip_address,
              user_agent, device, device_id, location, restriction, created_at, last_active_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            RETURNING id`),
      params: [
        s.id,
        s.tenantId,
        s.userId,
        s.refreshTokenHash,
        s.refreshFamilyHash,
        s.ipAddress,
        s.userAgent,
        s.device ? JSON.stringify(s.device) : null,
        s.deviceId,
        s.location ? JSON.stringify(s.location) : null,
        s.restriction,
        s.createdAt,
        s.lastActiveAt,
        s.expiresAt,
      ],
    };
  }

  /** The session with its user's type and status, for rebuilding the liveness cache. */
  async findWithUser(sessionId: string): Promise<SessionWithUser | undefined> {
    const rows = await this.dataSource.query<
      (Record<string, unknown> & { user_type: UserType; user_status: string })[]
    >(
      prepared(`SELECT s.id, s.tenant_id, s.user_id, s.restriction, s.created_at, s.last_active_at, s.expires_at, s.revoked_at,
              u.user_type, u.status AS user_status
         FROM user_sessions_v2 s JOIN users_v2 u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
        WHERE s.id = $1`),
      [sessionId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const session = this.repo().create({
      id: row.id as string,
      tenantId: row.tenant_id as string,
      userId: row.user_id as string,
      restriction: row.restriction as Session['restriction'],
      createdAt: row.created_at as Date,
      lastActiveAt: row.last_active_at as Date,
      expiresAt: row.expires_at as Date,
      revokedAt: row.revoked_at as Date | null,
    });
    return { session, userType: row.user_type, userStatus: row.user_status };
  }

  /**
   * A user's sessions that are still usable (not revoked, not expired, not idle for longer than the
   * timeout), newest first, one page of them.
   */
  async listActive(
    tenantId: string,
    userId: string,
    page: { offset: number; limit: number; idleTimeoutMinutes: number },
  ): Promise<{ items: Session[]; total: number }> {
    const [items, total] = await this.repo()
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId AND s.user_id = :userId', { tenantId, userId })
      .andWhere('s.revoked_at IS NULL AND s.expires_at > now()')
      .andWhere('s.last_active_at > now() - make_interval(mins => :idle)', { idle: page.idleTimeoutMinutes })
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .skip(page.offset)
      .take(page.limit)
      .getManyAndCount();
    return { items, total };
  }

  /**
   * The session a refresh token belongs to, found by the token's family, whatever generation the token
   * is; `withinGrace` tells whether its last rotation is less than `graceSeconds` old. No tenant: the
   * token's 256 random bits are the proof, and the session names its tenant.
   */
  async findByRefreshFamily(
    familyHash: string,
    graceSeconds: number,
  ): Promise<{ session: RefreshableSession; withinGrace: boolean } | undefined> {
    // Plain SQL: this runs on every refresh, and building it with the query builder cost more CPU than
    // the query itself.
    const [row] = await this.dataSource.query<
      {
        id: string;
        tenant_id: string;
        user_id: string;
        refresh_token_hash: string;
        previous_refresh_token_hash: string | null;
        last_issued_pair_enc: string | null;
        within_grace: boolean | null;
        usable: boolean;
      }[]
    >(
      prepared(`SELECT id, tenant_id, user_id, refresh_token_hash, previous_refresh_token_hash, last_issued_pair_enc,
              rotated_at > now() - make_interval(secs => $2) AS within_grace,
              (revoked_at IS NULL AND expires_at > now()) AS usable
         FROM user_sessions_v2 WHERE refresh_family_hash = $1`),
      [familyHash, graceSeconds],
    );
    if (!row?.usable) return undefined;
    return {
      session: {
        id: row.id,
        tenantId: row.tenant_id,
        userId: row.user_id,
        refreshTokenHash: row.refresh_token_hash,
        previousRefreshTokenHash: row.previous_refresh_token_hash,
        lastIssuedPairEnc: row.last_issued_pair_enc,
      },
      withinGrace: row.within_grace === true,
    };
  }

  /**
   * Spends refresh tokens, any number in one statement: of the callers that present the same token, however
   * many race (in one statement or several), only one moves it to "previous" — the statement returns the
   * ordinal `i` (from 1) of each rotation that took place. Rows are locked in the order of their ids, so
   * that two statements rotating the same sessions cannot deadlock. The pair issued in exchange is stored
   * with it (encrypted) when a retry grace period is configured. A statement, so that the caller can audit
   * each rotation in the same statement (AuditService.recordEachWithChange).
   */
  rotations(
    rotations: { sessionId: string; oldHash: string; newHash: string; issuedPairEnc: string | null }[],
  ): Statement {
    return {
      sql: prepared(`UPDATE user_sessions_v2 s
               SET previous_refresh_token_hash = s.refresh_token_hash, refresh_token_hash = r.new_hash,
                   last_issued_pair_enc = r.pair_enc, rotated_at = now(), rotation_counter = s.rotation_counter + 1,
                   last_active_at = now()
              FROM (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
                      WITH ORDINALITY AS u(id, old_hash, new_hash, pair_enc, i) ORDER BY id) r
             WHERE s.id = r.id AND s.refresh_token_hash = r.old_hash AND s.revoked_at IS NULL AND s.expires_at > now()
             RETURNING r.i::int AS i`),
      params: [
        rotations.map((r) => r.sessionId),
        rotations.map((r) => r.oldHash),
        rotations.map((r) => r.newHash),
        rotations.map((r) => r.issuedPairEnc),
      ],
    };
  }

  /** Lifts a session's restriction (the password was changed, MFA was set up). */
  async clearRestriction(tenantId: string, sessionId: string, restriction: SessionRestriction): Promise<void> {
    await this.dataSource.query(
      `UPDATE user_sessions_v2 SET restriction = NULL WHERE tenant_id = $1 AND id = $2 AND restriction = $3`,
      [tenantId, sessionId, restriction],
    );
  }

  /** Revokes the given sessions (or all of a user's, optionally but one); returns the ids it revoked. */
  async revoke(
    manager: EntityManager | undefined,
    where: { tenantId: string; userId?: string; sessionId?: string; exceptSessionId?: string },
    reason: string,
  ): Promise<string[]> {
    const params: unknown[] = [where.tenantId, reason];
    const conditions = ['tenant_id = $1', 'revoked_at IS NULL'];
    if (where.userId) conditions.push(`user_id = $${params.push(where.userId)}`);
    if (where.sessionId) conditions.push(`id = $${params.push(where.sessionId)}`);
    if (where.exceptSessionId) conditions.push(`id <> $${params.push(where.exceptSessionId)}`);
    const rows = await updateReturning<{ id: string }>(
      manager ?? this.dataSource.manager,
      `UPDATE user_sessions_v2 SET revoked_at = now(), revoked_reason = $2, last_issued_pair_enc = NULL WHERE ${conditions.join(' AND ')} RETURNING id`,
      params,
    );
    return rows.map((r) => r.id);
  }

  async touch(sessionId: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE user_sessions_v2 SET last_active_at = $2 WHERE id = $1 AND last_active_at < $2`,
      [sessionId, at],
    );
  }

  /**
   * Purges up to `limit` sessions, of any tenant, that expired or were revoked before `before`; returns how
   * many it looked at and how many it deleted. Ended sessions are also the users' login history
   * (LoginHistoryRepository: the previous login, and whether a device or country was seen before), so a
   * session is deleted only when a newer session of the same user exists, and one of the same device and
   * one of the same country; the others are marked `kept_for_login_history` and leave the purge's index.
   * A marked row is looked at again whenever a later session of its user is purged, and goes once newer
   * sessions stand for it. Rows another transaction holds are left for a later batch.
   */
  async purgeEndedBefore(before: Date, limit: number): Promise<{ examined: number; deleted: number }> {
    const newer = `FROM user_sessions_v2 n WHERE n.tenant_id = c.tenant_id AND n.user_id = c.user_id
                      AND n.created_at >= c.created_at AND (n.created_at, n.id) > (c.created_at, c.id)`;
    const [row] = await this.dataSource.query<{ examined: number; deleted: number }[]>(
      `WITH batch AS (
         SELECT ctid AS tid, id, tenant_id, user_id, created_at, device_id, location->>'country' AS country, false AS kept
           FROM user_sessions_v2
          WHERE least(expires_at, revoked_at) < $1 AND NOT kept_for_login_history
          LIMIT $2 FOR UPDATE SKIP LOCKED
       ), kept AS (
         SELECT s.ctid, s.id, s.tenant_id, s.user_id, s.created_at, s.device_id, s.location->>'country', true
           FROM user_sessions_v2 s JOIN (SELECT DISTINCT tenant_id, user_id FROM batch) u USING (tenant_id, user_id)
          WHERE s.kept_for_login_history
            FOR UPDATE OF s SKIP LOCKED
       ), verdict AS (
         SELECT c.tid, c.kept,
                EXISTS (SELECT 1 ${newer})
                AND (c.device_id IS NULL OR EXISTS (SELECT 1 ${newer} AND n.device_id = c.device_id))
                AND (c.country IS NULL OR EXISTS (SELECT 1 ${newer} AND n.location->>'country' = c.country)) AS superseded
           FROM (SELECT * FROM batch UNION ALL SELECT * FROM kept) c
       ), deleted AS (
         DELETE FROM user_sessions_v2 WHERE ctid = ANY(ARRAY(SELECT tid FROM verdict WHERE superseded)) RETURNING 1
       ), marked AS (
         UPDATE user_sessions_v2 SET kept_for_login_history = true
          WHERE ctid = ANY(ARRAY(SELECT tid FROM verdict WHERE NOT superseded AND NOT kept)) RETURNING 1
       )
       SELECT (SELECT count(*) FROM batch)::int AS examined, (SELECT count(*) FROM deleted)::int AS deleted`,
      [before, limit],
    );
    return row;
  }
}
