import { Injectable, OnModuleInit } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import { Authenticator, AuthenticatorRegistry } from '../common/auth/authenticator';
import type { Principal } from '../common/context/request-context';
import { NotAuthenticated } from '../common/errors/domain-errors';

/** Bearer access tokens, verified by the passport-jwt strategy. */
@Injectable()
export class JwtAuthenticator implements Authenticator, OnModuleInit {
  constructor(private readonly registry: AuthenticatorRegistry) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    const header = request.headers.authorization;
    if (!header || !/^bearer\s/i.test(header)) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const middleware = passport.authenticate(
        'jwt',
        { session: false },
        (err: unknown, principal: Principal | false) => {
          if (err) reject(err instanceof Error ? err : new NotAuthenticated('Invalid token'));
          else if (!principal) reject(new NotAuthenticated('Invalid or expired token'));
          else resolve(principal);
        },
      ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
      middleware(request, {}, (err) => reject(err instanceof Error ? err : new NotAuthenticated()));
    });
  }
}
