import type { SessionDto } from './dto/session.dto';
import type { Session } from './entities/session.entity';

/** The allowlist of what a client sees of a session: never its token hashes. */
export function toSessionDto(session: Session, currentSessionId: string | undefined): SessionDto {
  return {
    id: session.id,
    current: session.id === currentSessionId,
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
    device: session.device
      ? { browser: session.device.browser, os: session.device.os, type: session.device.type }
      : null,
    location: session.location
      ? {
          country: session.location.country,
          city: session.location.city,
          latitude: session.location.latitude,
          longitude: session.location.longitude,
        }
      : null,
    createdAt: session.createdAt.toISOString(),
    lastActiveAt: session.lastActiveAt.toISOString(),
  };
}
