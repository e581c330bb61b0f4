import { Injectable } from '@nestjs/common';
import type { SessionRestriction } from '../common/context/request-context';
import type { UserType } from '../common/user-types';

/** What every authenticated request needs to know about its session, without asking the database. */
export interface LiveSession {
  sessionId: string;
  tenantId: string;
  userId: string;
  userType: UserType;
  expiresAt: number;
  lastActiveAt: number;
  /** When lastActiveAt was last written to the database. */
  persistedActiveAt: number;
  idleTimeoutMs: number;
  restriction: SessionRestriction | null;
  revoked: boolean;
}

const MAX_ENTRIES = 200_000;

/**
 * The in-process record of live and revoked sessions. A revoked session stays here as a tombstone until
 * its absolute expiry, so its access tokens are refused at once without a database round trip.
 */
@Injectable()
export class SessionLiveness {
  private readonly sessions = new Map<string, LiveSession>();

  get(sessionId: string): LiveSession | undefined {
    const s = this.sessions.get(sessionId);
    if (s && s.expiresAt <= Date.now()) {
      this.sessions.delete(sessionId);
      return undefined;
    }
    return s;
  }

  put(session: LiveSession): void {
    if (this.sessions.size >= MAX_ENTRIES) this.evictExpired();
    this.sessions.set(session.sessionId, session);
  }

  revoke(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) {
      const s = this.sessions.get(id);
      if (s) s.revoked = true;
    }
  }

  private evictExpired(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now || s.revoked) this.sessions.delete(id);
    if (this.sessions.size >= MAX_ENTRIES) this.sessions.clear();
  }
}
