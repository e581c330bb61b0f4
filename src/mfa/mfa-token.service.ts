import { Injectable } from '@nestjs/common';
import { InvalidToken, SigningKeys } from '../auth/keys/signing-keys';
import { NotAuthenticated } from '../common/errors/domain-errors';

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

/**
 * The proof that the password step succeeded: a short-lived JWT that only the MFA routes accept, signed
 * with the same key material as access tokens (HS256 secret or the asymmetric key ring).
 */
@Injectable()
export class MfaTokenService {
  constructor(private readonly keys: SigningKeys) {}

  async sign(o: MfaTokenClaims): Promise<{ token: string; expiresIn: number }> {
    const token = await this.keys.sign(
      { sub: o.userId, tid: o.tenantId, typ: 'mfa' },
      { audience: MFA_TOKEN_AUDIENCE, expiresInSeconds: MFA_TOKEN_SECONDS },
    );
    return { token, expiresIn: MFA_TOKEN_SECONDS };
  }

  async verify(token: string): Promise<MfaTokenClaims> {
    try {
      const claims = await this.keys.verify(token, MFA_TOKEN_AUDIENCE);
      if (claims.typ !== 'mfa' || typeof claims.sub !== 'string' || typeof claims.tid !== 'string') {
        throw new InvalidToken('not an MFA token');
      }
      return { userId: claims.sub, tenantId: claims.tid };
    } catch (err) {
      if (err instanceof InvalidToken) throw new NotAuthenticated('Invalid or expired MFA token; sign in again');
      throw err;
    }
  }
}
