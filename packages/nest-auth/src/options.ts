import type { ModuleMetadata } from '@nestjs/common';

/** Only asymmetric algorithms: a service that can verify HS256 tokens could also sign them. */
export type AsymmetricAlgorithm = 'EdDSA' | 'ES256';

export interface DotmacAuthOptions {
  /** Base URL of the user-management service (e.g. `https://users.example.com`): the JWKS and introspection URLs derive from it. */
  issuerUrl?: string;
  /** The JWKS URL, when it is not `${issuerUrl}/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** The `aud` the tokens must carry: `dotmac-api` for the service's access tokens. */
  audience: string | string[];
  /** The `iss` the tokens must carry (default `dotmac-user-management`). */
  issuer?: string;
  /** Accepted algorithms (default both); never HS256. */
  algorithms?: AsymmetricAlgorithm[];
  /** Leeway for exp/iat between the two machines' clocks (default 5 seconds). */
  clockToleranceSeconds?: number;
  /** The JWKS is refetched at most this often, even for tokens with an unknown kid (default 30 s). */
  jwksCooldownMs?: number;
  /** A fetched JWKS is trusted for this long before it is fetched again (default 10 min). */
  jwksCacheMaxAgeMs?: number;
  /**
   * Ask the service about every token (RFC 7662): a logout, revocation or suspension is refused at once,
   * and the permissions are the current ones. The API key needs the `tokens:introspect` scope.
   */
  introspection?: {
    /** The introspection endpoint; default `${issuerUrl}/api/v2/auth/introspect` (a gateway may prefix the path). */
    url?: string;
    apiKey: string;
    /** Default 5 s; an unanswered introspection is a 503, never a pass. */
    timeoutMs?: number;
  };
}

export interface DotmacAuthAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => DotmacAuthOptions | Promise<DotmacAuthOptions>;
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
}

export const DOTMAC_AUTH_OPTIONS = Symbol('DOTMAC_AUTH_OPTIONS');

export interface ResolvedOptions {
  jwksUrl: URL;
  audience: string | string[];
  issuer: string;
  algorithms: AsymmetricAlgorithm[];
  clockToleranceSeconds: number;
  jwksCooldownMs: number;
  jwksCacheMaxAgeMs: number;
  introspection?: { url: string; baseUrl: string; apiKey: string; timeoutMs: number };
}

export const DEFAULT_ISSUER = 'dotmac-user-management';
const INTROSPECTION_PATH = '/api/v2/auth/introspect';

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function resolveOptions(o: DotmacAuthOptions): ResolvedOptions {
  const base = o.issuerUrl ? trimSlash(o.issuerUrl) : undefined;
  const jwks = o.jwksUrl ?? (base ? `${base}/.well-known/jwks.json` : undefined);
  if (!jwks) throw new Error('DotmacAuthModule: set issuerUrl or jwksUrl');
  const algorithms = o.algorithms ?? ['EdDSA', 'ES256'];
  const refused = algorithms.filter((a) => a !== 'EdDSA' && a !== 'ES256');
  if (refused.length || algorithms.length === 0) {
    throw new Error(`DotmacAuthModule: only EdDSA and ES256 are accepted, not ${refused.join(', ') || 'none'}`);
  }
  let introspection: ResolvedOptions['introspection'];
  if (o.introspection) {
    const url = o.introspection.url ?? (base ? `${base}${INTROSPECTION_PATH}` : undefined);
    if (!url) throw new Error('DotmacAuthModule: set introspection.url or issuerUrl');
    if (!o.introspection.apiKey) throw new Error('DotmacAuthModule: introspection needs an apiKey');
    const trimmed = trimSlash(url);
    if (!trimmed.endsWith(INTROSPECTION_PATH)) {
      throw new Error(`DotmacAuthModule: introspection.url must end with ${INTROSPECTION_PATH}`);
    }
    introspection = {
      url: trimmed,
      // The typed client takes the service's base URL and the OpenAPI path.
      baseUrl: trimmed.slice(0, -INTROSPECTION_PATH.length),
      apiKey: o.introspection.apiKey,
      timeoutMs: o.introspection.timeoutMs ?? 5000,
    };
  }
  return {
    jwksUrl: new URL(jwks),
    audience: o.audience,
    issuer: o.issuer ?? DEFAULT_ISSUER,
    algorithms,
    clockToleranceSeconds: o.clockToleranceSeconds ?? 5,
    jwksCooldownMs: o.jwksCooldownMs ?? 30_000,
    jwksCacheMaxAgeMs: o.jwksCacheMaxAgeMs ?? 600_000,
    introspection,
  };
}
