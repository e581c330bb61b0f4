import { Injectable } from '@nestjs/common';
import { JsonWebTokenError, sign, verify } from 'jsonwebtoken';
import { NotAuthenticated } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { TOKEN_ISSUER } from '../auth/token.service';

/**
 * A different audience than access tokens (and typ `mfa`): the access-token strategy refuses it twice
 * over, so an mfaToken can never be used as a bearer token.
 */
export const MFA_TOKEN_AUDIENCE = 'dotmac-mfa';
export const MFA_TOKEN_SECONDS = 300;

export interface MfaTokenClaims {
  userId: string;
  tenantId: string;
}

/** The proof that the password step succeeded: a short-lived JWT that only the MFA routes accept. */
@Injectable()
export class MfaTokenService {
  constructor(private readonly config: AppConfig) {}

  sign(o: MfaTokenClaims): { token: string; expiresIn: number } {
    const token = sign({ sub: o.userId, tid: o.tenantId, typ: 'mfa' }, this.config.jwtSecret, {
      algorithm: 'HS256',
      expiresIn: MFA_TOKEN_SECONDS,
      audience: MFA_TOKEN_AUDIENCE,
      issuer: TOKEN_ISSUER,
    });
    return { token, expiresIn: MFA_TOKEN_SECONDS };
  }

  verify(token: string): MfaTokenClaims {
    try {
      const claims = verify(token, this.config.jwtSecret, {
        algorithms: ['HS256'],
        audience: MFA_TOKEN_AUDIENCE,
        issuer: TOKEN_ISSUER,
      });
      if (
        typeof claims === 'string' ||
        claims.typ !== 'mfa' ||
        typeof claims.sub !== 'string' ||
        typeof claims.tid !== 'string'
      ) {
        throw new JsonWebTokenError('not an MFA token');
      }
      return { userId: claims.sub, tenantId: claims.tid };
    } catch (err) {
      if (err instanceof JsonWebTokenError) throw new NotAuthenticated('Invalid or expired MFA token; sign in again');
      throw err;
    }
  }
}
