import { Injectable } from '@nestjs/common';
import { sign } from 'jsonwebtoken';
import { AppConfig } from '../config/app-config';

export const TOKEN_ISSUER = 'dotmac-user-management';
export const TOKEN_AUDIENCE = 'dotmac-api';

export type TokenType = 'access' | 'mfa';

export interface AccessClaims {
  sub: string;
  tid: string;
  sid: string;
  typ: TokenType;
  iat: number;
  exp: number;
  aud: string;
  iss: string;
}

/** Signs the service's JWTs; the algorithm is pinned (verification accepts no other). */
@Injectable()
export class TokenService {
  readonly algorithm = 'HS256' as const;

  constructor(private readonly config: AppConfig) {}

  /** A short-lived access token, never outliving its session. */
  signAccess(o: { userId: string; tenantId: string; sessionId: string; sessionExpiresAt: Date }): {
    token: string;
    expiresIn: number;
  } {
    const now = Math.floor(Date.now() / 1000);
    const sessionLeft = Math.floor(o.sessionExpiresAt.getTime() / 1000) - now;
    const expiresIn = Math.max(1, Math.min(this.config.accessTokenMinutes * 60, sessionLeft));
    const token = sign({ sub: o.userId, tid: o.tenantId, sid: o.sessionId, typ: 'access' }, this.config.jwtSecret, {
      algorithm: this.algorithm,
      expiresIn,
      audience: TOKEN_AUDIENCE,
      issuer: TOKEN_ISSUER,
    });
    return { token, expiresIn };
  }
}
