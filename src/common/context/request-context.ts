import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { UserType } from '../user-types';

/** Who is calling: a user through a session's access token, or a user's API key. */
export interface Principal {
  kind: 'user' | 'api_key';
  userId: string;
  /** The tenant the user belongs to (the acting tenant may differ for platform admins). */
  homeTenantId: string;
  userType: UserType;
  sessionId?: string;
  apiKeyId?: string;
  /** Effective permissions: the user's, narrowed to the key's scopes for an API key. */
  permissions: ReadonlySet<string>;
  /** A session that may only reach some routes until the user acts (expired password, MFA enrolment). */
  restriction?: SessionRestriction;
}

export type SessionRestriction = 'password_change' | 'mfa_setup';

export interface RequestStore {
  requestId: string;
  ip: string;
  userAgent: string;
  tenantId?: string;
  principal?: Principal;
}

const storage = new AsyncLocalStorage<RequestStore>();

/**
 * The request's context, readable anywhere without passing it by hand (AsyncLocalStorage underneath; each
 * request's scope is opened by the HTTP layer, see request-scope.ts).
 */
@Injectable()
export class RequestContext {
  /** Runs `fn` (and everything it starts) inside the scope of one request. */
  static run<T>(store: RequestStore, fn: () => T): T {
    return storage.run(store, fn);
  }

  /** The current request's id, for code outside Nest's container (the logger). */
  static currentRequestId(): string | undefined {
    return storage.getStore()?.requestId;
  }

  get active(): boolean {
    return storage.getStore() !== undefined;
  }

  get requestId(): string | undefined {
    return storage.getStore()?.requestId;
  }

  get ip(): string | undefined {
    return storage.getStore()?.ip;
  }

  get userAgent(): string | undefined {
    return storage.getStore()?.userAgent;
  }

  get principal(): Principal | undefined {
    return storage.getStore()?.principal;
  }

  set principal(principal: Principal | undefined) {
    this.store().principal = principal;
  }

  /** The tenant this request acts in; resolved before any handler runs. */
  get tenantId(): string {
    const tenantId = storage.getStore()?.tenantId;
    if (!tenantId) throw new Error('No tenant in the request context');
    return tenantId;
  }

  set tenantId(tenantId: string) {
    this.store().tenantId = tenantId;
  }

  /** The authenticated principal; routes that are not public always have one. */
  requirePrincipal(): Principal {
    const principal = this.principal;
    if (!principal) throw new Error('No principal in the request context');
    return principal;
  }

  private store(): RequestStore {
    const store = storage.getStore();
    if (!store) throw new Error('Not inside a request');
    return store;
  }
}
