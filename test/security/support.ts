import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestApp, TestResponse } from '../support/test-app';

/** Shared by the black-box security suite: the route inventory, write routes, crafted tokens, database state. */

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface InventoryRoute {
  method: Method;
  path: string;
  access: 'public' | 'authenticated' | string[];
  apiKeys?: false;
  allowRestricted?: string[];
}

/** test/route-inventory.json, which test/route-inventory.e2e-spec.ts keeps equal to the mounted routes. */
export const inventory: InventoryRoute[] = JSON.parse(
  readFileSync(join(__dirname, '..', 'route-inventory.json'), 'utf8'),
) as InventoryRoute[];

export const apiRoutes = inventory.filter((r) => r.path.startsWith('/api/v2/'));

/** A route's path with its parameters filled in. */
export function fill(path: string, params: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return value;
  });
}

export const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

export interface WriteRoute {
  method: Method;
  /** In the inventory's form (`/api/v2/users/:id`). */
  path: string;
  /** The fields of the request body the OpenAPI document declares. */
  fields: string[];
  access: InventoryRoute['access'];
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

/** The committed OpenAPI document, which test/foundation.e2e-spec.ts keeps equal to the one served at /docs-json. */
const openApi = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as OpenApiDocument;

function operations(): { method: Method; path: string; operation: OpenApiOperation }[] {
  return Object.entries(openApi.paths).flatMap(([openApiPath, ops]) =>
    Object.entries(ops).map(([method, operation]) => ({
      method: method.toUpperCase() as Method,
      path: openApiPath.replace(/\{(\w+)\}/g, ':$1'),
      operation,
    })),
  );
}

/** Every route that takes a JSON body (a write DTO), with the fields the OpenAPI document declares for it. */
export const writeRoutes: WriteRoute[] = operations()
  .filter(({ operation }) => operation.requestBody?.content['application/json']?.schema.$ref)
  .map(({ method, path, operation }) => {
    const ref = operation.requestBody!.content['application/json'].schema.$ref!;
    const route = inventory.find((r) => r.method === method && r.path === path);
    if (!route) throw new Error(`${method} ${path} is in openapi.json but not in the route inventory`);
    const fields = Object.keys(openApi.components.schemas[ref.split('/').pop()!].properties ?? {});
    return { method, path, fields, access: route.access };
  })
  .sort((a, b) => key(a).localeCompare(key(b)));

/** Every route that reads query parameters, with their names. */
export const queryRoutes: { method: Method; path: string; params: string[] }[] = operations()
  .map(({ method, path, operation }) => ({
    method,
    path,
    params: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
  }))
  .filter((r) => r.params.length > 0);

export const uniq = (prefix = 'u') => `${prefix}${randomBytes(5).toString('hex')}`;

/** A password that every preset accepts. */
export const GOOD_PASSWORD = 'Tulip-Harbor-42-Xq!';

/**
 * A body each write route accepts as far as validation goes (the route may still refuse it for what it
 * names: a wrong password, an unknown token). The security suites add to it or fuzz around it.
 */
export function validBody(route: { method: string; path: string }, ids: { userId: string }): Record<string, unknown> {
  const name = uniq();
  const bodies: Record<string, Record<string, unknown>> = {
    'POST /api/v2/api-keys': { name: 'k', scopes: ['users:read'] },
    'POST /api/v2/auth/introspect': { token: 'nope' },
    'POST /api/v2/auth/invitations/accept': { token: 'nope', username: name, password: GOOD_PASSWORD },
    'POST /api/v2/auth/login': { username: 'nobody', password: 'Wrong-Password-1!' },
    'POST /api/v2/auth/mfa/backup-codes': { password: 'Wrong-Password-1!' },
    'POST /api/v2/auth/mfa/challenge': { mfaToken: 'nope', code: '123456' },
    'POST /api/v2/auth/mfa/send': { mfaToken: 'nope', method: 'email' },
    'POST /api/v2/auth/mfa/setup': { method: 'totp' },
    'POST /api/v2/auth/mfa/verify': { method: 'totp', code: '123456' },
    'DELETE /api/v2/auth/mfa/:method': { password: 'Wrong-Password-1!' },
    'POST /api/v2/auth/password/change': { currentPassword: 'Wrong-Password-1!', newPassword: GOOD_PASSWORD },
    'POST /api/v2/auth/password/forgot': { email: 'nobody@example.test' },
    'POST /api/v2/auth/password/reset': { token: 'nope', newPassword: GOOD_PASSWORD },
    'POST /api/v2/auth/refresh': { refreshToken: 'rt_nope' },
    'POST /api/v2/auth/register': {
      username: name,
      email: `${name}@example.test`,
      password: GOOD_PASSWORD,
      firstName: 'Reg',
      lastName: 'Ister',
      termsAccepted: true,
      privacyAccepted: true,
    },
    'POST /api/v2/auth/verify-email': { token: 'nope' },
    'POST /api/v2/roles': { name, permissions: ['users:read'] },
    'PUT /api/v2/roles/:id': { permissions: ['users:read'] },
    'POST /api/v2/tenants': { name, slug: name },
    'PUT /api/v2/tenants/:id': { name: 'Renamed' },
    'POST /api/v2/users': {
      username: name,
      email: `${name}@example.test`,
      firstName: 'New',
      lastName: 'User',
      userType: 'customer',
      password: GOOD_PASSWORD,
    },
    'POST /api/v2/users/bulk-operation': { operation: 'activate', userIds: [ids.userId] },
    'POST /api/v2/users/invitations': { email: `${name}@example.test`, userType: 'customer' },
    'PUT /api/v2/users/me': { firstName: 'Me' },
    'DELETE /api/v2/users/me': { password: 'Wrong-Password-1!' },
    'POST /api/v2/users/me/consents': { document: 'terms', version: '1' },
    'POST /api/v2/users/search': { query: 'user' },
    'PUT /api/v2/users/:id': { firstName: 'Changed' },
    'POST /api/v2/users/:id/activate': { reason: 'test' },
    'POST /api/v2/users/:id/deactivate': { reason: 'test' },
    'POST /api/v2/users/:id/suspend': { reason: 'test' },
    'POST /api/v2/users/:id/roles': { roles: ['support'] },
  };
  const body = bodies[key(route)];
  if (!body) throw new Error(`no valid body known for ${key(route)}: add it to test/security/support.ts`);
  return body;
}

/**
 * How many rows each table holds, and how many audit entries record a success: what a refused request must
 * leave unchanged. (Refusals may record failures, count failed logins and lock accounts; those are updates
 * and failure entries, not stored data.) audit_heads is left out: the background sealer adds a tenant's
 * head whenever it first seals that tenant's entries, whatever request is running.
 */
export async function fingerprint(t: TestApp): Promise<Record<string, number>> {
  const tables: { tablename: string }[] = await t.db.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('audit_log', 'audit_heads')
      ORDER BY 1`,
  );
  const parts = tables.map(({ tablename }) => `'${tablename}', (SELECT count(*) FROM "${tablename}")`);
  parts.push(`'audit_log (success)', (SELECT count(*) FROM audit_log WHERE success AND action <> 'auth.lockout')`);
  const [row] = await t.db.query(`SELECT json_build_object(${parts.join(', ')}) AS counts`);
  return row.counts as Record<string, number>;
}

// ---- JSON Web Tokens, crafted by hand so that nothing in them is checked on the way out ----

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>,
  };
}

/** A JWT with this header and payload, signed with HMAC-SHA256/384/512 under `secret`, or unsigned. */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sign: { hmac: 'sha256' | 'sha384' | 'sha512'; secret: string | Buffer } | 'unsigned' | ((input: string) => Buffer),
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (sign === 'unsigned') return `${input}.`;
  const signature =
    typeof sign === 'function' ? sign(input) : createHmac(sign.hmac, sign.secret).update(input).digest();
  return `${input}.${b64url(signature)}`;
}

/** The same token with its payload changed and its original signature kept. */
export function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  change(claims);
  return `${header}.${b64url(JSON.stringify(claims))}.${signature}`;
}

export const me = (t: TestApp, token: string): Promise<TestResponse> =>
  t.request({ method: 'GET', url: '/api/v2/users/me', token });

/** The contract's error body without its request id, to compare two answers. */
export function comparable(res: TestResponse): { status: number; body: unknown } {
  const { requestId: _requestId, ...body } = (res.body ?? {}) as Record<string, unknown>;
  return { status: res.status, body };
}

/** An asymmetric matcher: the value is one of these. */
export function oneOf<T>(...values: T[]): T {
  return {
    asymmetricMatch: (actual: T) => values.includes(actual),
    toString: () => `oneOf(${values.join(', ')})`,
    toAsymmetricMatcher: () => `oneOf(${values.join(', ')})`,
  } as unknown as T;
}
