import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../context/request-context';
import { MaybePromise, chain } from '../maybe-promise';

/**
 * Turns the credentials of a request (bearer token, API key) into a principal. Returns undefined when the
 * request carries no credentials of its kind; throws NotAuthenticated when it carries bad ones. Answers
 * synchronously when it can (credentials already checked and cached), see MaybePromise.
 */
export interface Authenticator {
  authenticate(request: FastifyRequest): MaybePromise<Principal | undefined>;
}

/** The authenticators the global guard consults; the auth and API-key modules register theirs at start. */
@Injectable()
export class AuthenticatorRegistry {
  private readonly authenticators: Authenticator[] = [];

  register(authenticator: Authenticator): void {
    this.authenticators.push(authenticator);
  }

  /** The principal of the first authenticator that finds credentials of its kind. */
  authenticate(request: FastifyRequest): MaybePromise<Principal | undefined> {
    return this.firstFrom(0, request);
  }

  private firstFrom(index: number, request: FastifyRequest): MaybePromise<Principal | undefined> {
    if (index >= this.authenticators.length) return undefined;
    return chain(
      this.authenticators[index].authenticate(request),
      (principal) => principal ?? this.firstFrom(index + 1, request),
    );
  }
}
