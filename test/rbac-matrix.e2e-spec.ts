import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Permission } from '../src/common/auth/permissions';
import { USER_TYPES, type UserType } from '../src/common/user-types';
import { createUser } from './support/fixtures';
import { TestApp, login, startTestApp } from './support/test-app';

type Family =
  | 'users read'
  | 'users create'
  | 'users status'
  | 'roles manage'
  | 'audit read'
  | 'tenants manage'
  | 'sessions manage'
  | 'apikeys manage'
  | 'gdpr manage';

const NOBODY = '00000000-0000-4000-8000-000000000000';

/**
 * One request per protected route family. Bodies are empty or ids unknown on purpose: a caller who is
 * allowed through gets 400 or 404 from the route itself, one who is not gets 403 from the guard.
 */
const PROBES: Record<
  Family,
  { permission: Permission; method: 'GET' | 'POST' | 'DELETE'; path: string; body?: object }
> = {
  'users read': { permission: 'users:read', method: 'GET', path: '/api/v2/users/:id' },
  'users create': { permission: 'users:create', method: 'POST', path: '/api/v2/users', body: {} },
  'users status': { permission: 'users:status', method: 'POST', path: '/api/v2/users/:id/suspend' },
  'roles manage': { permission: 'roles:manage', method: 'POST', path: '/api/v2/roles', body: {} },
  'audit read': { permission: 'audit:read', method: 'GET', path: '/api/v2/audit' },
  'tenants manage': { permission: 'tenants:manage', method: 'GET', path: '/api/v2/tenants' },
  'sessions manage': { permission: 'sessions:manage', method: 'DELETE', path: '/api/v2/users/:id/sessions' },
  'apikeys manage': { permission: 'apikeys:manage', method: 'POST', path: '/api/v2/api-keys', body: {} },
  'gdpr manage': { permission: 'gdpr:manage', method: 'POST', path: '/api/v2/users/:id/erase' },
};

const Y = 'allowed';
const N = 403;
/** The authorization model of the product, one row per user type. Change it only on purpose. */
// prettier-ignore
const MATRIX: Record<UserType, Record<Family, typeof Y | typeof N>> = {
  super_admin:    { 'users read': Y, 'users create': Y, 'users status': Y, 'roles manage': Y, 'audit read': Y, 'tenants manage': Y, 'sessions manage': Y, 'apikeys manage': Y, 'gdpr manage': Y },
  platform_admin: { 'users read': Y, 'users create': Y, 'users status': Y, 'roles manage': Y, 'audit read': Y, 'tenants manage': Y, 'sessions manage': Y, 'apikeys manage': Y, 'gdpr manage': Y },
  tenant_admin:   { 'users read': Y, 'users create': Y, 'users status': Y, 'roles manage': Y, 'audit read': Y, 'tenants manage': N, 'sessions manage': Y, 'apikeys manage': Y, 'gdpr manage': Y },
  reseller:       { 'users read': Y, 'users create': Y, 'users status': Y, 'roles manage': N, 'audit read': N, 'tenants manage': N, 'sessions manage': N, 'apikeys manage': Y, 'gdpr manage': N },
  technician:     { 'users read': Y, 'users create': N, 'users status': N, 'roles manage': N, 'audit read': N, 'tenants manage': N, 'sessions manage': Y, 'apikeys manage': N, 'gdpr manage': N },
  support:        { 'users read': Y, 'users create': N, 'users status': Y, 'roles manage': N, 'audit read': Y, 'tenants manage': N, 'sessions manage': Y, 'apikeys manage': N, 'gdpr manage': N },
  customer:       { 'users read': N, 'users create': N, 'users status': N, 'roles manage': N, 'audit read': N, 'tenants manage': N, 'sessions manage': N, 'apikeys manage': N, 'gdpr manage': N },
};

/** Routes of features not in this build are listed as todo until the route inventory has them. */
const inventoryFile = join(__dirname, 'route-inventory.json');
const inventory: { method: string; path: string; access: string | string[] }[] = existsSync(inventoryFile)
  ? JSON.parse(readFileSync(inventoryFile, 'utf8'))
  : [];
const inventoryEntry = (f: Family) => inventory.find((r) => r.method === PROBES[f].method && r.path === PROBES[f].path);
const families = Object.keys(PROBES) as Family[];
const mountedFamilies = families.filter((f) => inventoryEntry(f));

describe('Authorization matrix: user type × route family', () => {
  let t: TestApp;
  const tokens = {} as Record<UserType, string>;
  beforeAll(async () => {
    t = await startTestApp();
    for (const userType of USER_TYPES) {
      const u = await createUser(t, { userType });
      tokens[userType] = (await login(t, u.username, u.password)).accessToken;
    }
  });
  afterAll(() => t.close());

  it.each(mountedFamilies)('the %s probe route requires exactly its permission', (family) => {
    expect(inventoryEntry(family)!.access).toEqual([PROBES[family].permission]);
  });

  const cells = USER_TYPES.flatMap((userType) =>
    mountedFamilies.map((family) => [userType, family, MATRIX[userType][family]] as const),
  );
  it.each(cells)('%s → %s: %s', async (userType, family, expected) => {
    const probe = PROBES[family];
    const res = await t.request({
      method: probe.method,
      url: probe.path.replace(':id', NOBODY),
      token: tokens[userType],
      body: probe.body,
    });
    if (expected === N) {
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/Missing permission/);
    } else {
      expect([401, 403]).not.toContain(res.status);
    }
  });

  for (const family of families.filter((f) => !mountedFamilies.includes(f))) {
    it.todo(`${family}: ${PROBES[family].method} ${PROBES[family].path} is not in this build's route inventory yet`);
  }
});
