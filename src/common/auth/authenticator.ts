import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../context/request-context';

/**
 * Turns the credentials of a request (bearer token, API key) into a principal. Returns undefined when the
 * request carries no credentials of its kind; throws NotAuthenticated when it carries bad ones.
 */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
}

/** The authenticators the global guard consults; the auth and API-key modules register theirs at start. */
@Injectable()
export class AuthenticatorRegistry {
  private readonly authenticators: Authenticator[] = [];

  register(authenticator: Authenticator): void {
    this.authenticators.push(authenticator);
  }

  async authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    for (const authenticator of this.authenticators) {
      const principal = await authenticator.authenticate(request);
      if (principal) return principal;
    }
    return undefined;
  }
}
