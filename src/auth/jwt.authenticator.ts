import { Injectable, OnModuleInit } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Authenticator, AuthenticatorRegistry } from '../common/auth/authenticator';
import type { Principal } from '../common/context/request-context';
import type { MaybePromise } from '../common/maybe-promise';
import { NotAuthenticated } from '../common/errors/domain-errors';
import { JwtStrategy } from './jwt.strategy';

/** `Authorization: Bearer <access token>`, verified by the JwtStrategy. */
@Injectable()
export class JwtAuthenticator implements Authenticator, OnModuleInit {
  constructor(
    private readonly registry: AuthenticatorRegistry,
    private readonly strategy: JwtStrategy,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  authenticate(request: FastifyRequest): MaybePromise<Principal | undefined> {
    const header = request.headers.authorization;
    if (!header || !/^bearer\s/i.test(header)) return undefined;
    const token = /^bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!token) throw new NotAuthenticated('Invalid token');
    return this.strategy.authenticate(token);
  }
}
