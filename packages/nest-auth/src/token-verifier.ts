import { Inject, Injectable, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { type UserManagementClient, createUserManagementClient } from './api-client';
import { DOTMAC_AUTH_OPTIONS, type ResolvedOptions } from './options';
import type { AccessTokenClaims, AuthenticatedUser, IntrospectionDto, SessionRestriction } from './types';

export interface VerifiedToken {
  user: AuthenticatedUser;
  /** Set when the session is restricted (expired password, overdue MFA enrolment). */
  restriction?: SessionRestriction;
}

/**
 * Verifies the service's access tokens locally with its JWKS (EdDSA/ES256 only, the key picked by `kid`;
 * an unknown kid refetches the JWKS, at most once per cooldown), then, when configured, asks the
 * service's introspection endpoint whether the session is still alive.
 */
@Injectable()
export class DotmacTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly introspectionClient?: UserManagementClient;

  constructor(@Inject(DOTMAC_AUTH_OPTIONS) private readonly options: ResolvedOptions) {
    this.jwks = createRemoteJWKSet(options.jwksUrl, {
      cooldownDuration: options.jwksCooldownMs,
      cacheMaxAge: options.jwksCacheMaxAgeMs,
    });
    if (options.introspection) {
      this.introspectionClient = createUserManagementClient({
        baseUrl: options.introspection.baseUrl,
        apiKey: options.introspection.apiKey,
      });
    }
  }

  async verify(token: string): Promise<VerifiedToken> {
    const claims = await this.verifyLocally(token);
    const fromToken: VerifiedToken = {
      user: {
        userId: claims.sub,
        tenantId: claims.tid,
        sessionId: claims.sid,
        userType: claims.utp,
        permissions: new Set(claims.scope ? claims.scope.split(' ') : []),
        expiresAt: claims.exp,
        claims,
      },
      restriction: claims.rst,
    };
    if (!this.introspectionClient) return fromToken;

    const answer = await this.introspect(token);
    if (!answer.active || answer.sub !== claims.sub || answer.sid !== claims.sid) {
      throw new UnauthorizedException('The session has ended; sign in again');
    }
    return {
      user: {
        ...fromToken.user,
        userType: answer.userType ?? fromToken.user.userType,
        permissions: new Set(answer.permissions ?? []),
        username: answer.username,
      },
      restriction: answer.restriction,
    };
  }

  private async verifyLocally(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        algorithms: this.options.algorithms,
        audience: this.options.audience,
        issuer: this.options.issuer,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      const { typ, sid, tid, utp } = payload;
      if (typ !== 'access' || typeof sid !== 'string' || typeof tid !== 'string' || typeof utp !== 'string') {
        throw new UnauthorizedException('Not an access token');
      }
      return payload as unknown as AccessTokenClaims;
    } catch (err) {
      if (err instanceof UnauthorizedException) throw err;
      // The JWKS could not be fetched: the fault is not the caller's.
      if (err instanceof errors.JWKSTimeout || (err instanceof Error && !(err instanceof errors.JOSEError))) {
        throw new ServiceUnavailableException('The token keys cannot be fetched right now');
      }
      throw new UnauthorizedException('Invalid or expired token');
    }
  }

  private async introspect(token: string): Promise<IntrospectionDto> {
    const { timeoutMs } = this.options.introspection!;
    try {
      const { data, response } = await this.introspectionClient!.POST('/api/v2/auth/introspect', {
        body: { token },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!data) throw new Error(`introspection answered ${response.status}`);
      return data;
    } catch {
      // Fail closed: without an answer, the token is not taken for valid.
      throw new ServiceUnavailableException('Token introspection is unavailable right now');
    }
  }
}
