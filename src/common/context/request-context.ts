import { Injectable } from '@nestjs/common';
import { ClsService, ClsStore } from 'nestjs-cls';
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

export interface RequestStore extends ClsStore {
  requestId: string;
  ip: string;
  userAgent: string;
  tenantId?: string;
  principal?: Principal;
}

/** The request's context, readable anywhere without passing it by hand (AsyncLocalStorage underneath). */
@Injectable()
export class RequestContext {
  constructor(private readonly cls: ClsService<RequestStore>) {}

  get active(): boolean {
    return this.cls.isActive();
  }

  get requestId(): string | undefined {
    return this.cls.isActive() ? this.cls.get('requestId') : undefined;
  }

  get ip(): string | undefined {
    return this.cls.isActive() ? this.cls.get('ip') : undefined;
  }

  get userAgent(): string | undefined {
    return this.cls.isActive() ? this.cls.get('userAgent') : undefined;
  }

  get principal(): Principal | undefined {
    return this.cls.isActive() ? this.cls.get('principal') : undefined;
  }

  set principal(principal: Principal | undefined) {
    this.cls.set('principal', principal);
  }

  /** The tenant this request acts in; resolved before any handler runs. */
  get tenantId(): string {
    const tenantId = this.cls.isActive() ? this.cls.get('tenantId') : undefined;
    if (!tenantId) throw new Error('No tenant in the request context');
    return tenantId;
  }

  set tenantId(tenantId: string) {
    this.cls.set('tenantId', tenantId);
  }

  /** The authenticated principal; routes that are not public always have one. */
  requirePrincipal(): Principal {
    const principal = this.principal;
    if (!principal) throw new Error('No principal in the request context');
    return principal;
  }
}
