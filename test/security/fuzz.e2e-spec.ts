import fc from 'fast-check';
import { createTenant, createUser } from '../support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from '../support/test-app';
import { WriteRoute, fill, fingerprint, key, validBody, writeRoutes } from './support';

/** Runs per property and route: enough to find what breaks, bounded so the suite stays quick. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

/** Values that have broken parsers, validators and databases before. */
const nasty = fc.constantFrom<unknown>(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\uffff',
  '💥'.repeat(40),
  'x'.repeat(5000),
  "' OR '1'='1",
  '%',
  '\\',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '1e999',
  '-0',
  '2026-02-30T25:61:61Z',
  '00000000-0000-0000-0000-000000000000',
  'admin@localhost',
  '__proto__',
  'constructor',
  Number.MAX_SAFE_INTEGER,
  -1,
  0,
  1e308,
  0.5,
  true,
  null,
  [],
  {},
  [null],
  { '': '' },
);

const value = fc.oneof(
  { arbitrary: nasty, weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 2 },
  { arbitrary: fc.uuid(), weight: 1 },
  { arbitrary: fc.emailAddress(), weight: 1 },
  { arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), weight: 1 },
  { arbitrary: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }), weight: 1 },
);

/**
 * Property-based fuzzing of every write DTO (fast-check): whatever JSON arrives — any value at all, or
 * the route's own field names with arbitrary values, alone or on top of a valid body — the answer is never
 * a 5xx, and an answer of 4xx has stored nothing (no new row in any table, no new success in the audit
 * trail).
 */
describe('Security: fuzzing every write DTO (fast-check)', () => {
  let t: TestApp;
  let admin: string;
  let ids: { userId: string; roleId: string; tenantId: string };

  beforeAll(async () => {
    t = await startTestApp({ REQUIRE_MFA_FOR_ADMIN: 'false' });
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
    const user = await createUser(t);
    const role = await t.request({
      method: 'POST',
      url: '/api/v2/roles',
      token: admin,
      body: { name: 'fuzz-role', permissions: ['users:read'] },
    });
    // Tenant settings are fuzzed on a tenant of their own, not on the one the fuzzing admin works in.
    const tenant = await createTenant(t, 'fuzz-target');
    ids = { userId: user.id, roleId: role.body.id, tenantId: tenant.id };
  });
  afterAll(() => t.close());

  const urlOf = (route: WriteRoute) =>
    fill(route.path, {
      id: route.path.startsWith('/api/v2/roles')
        ? ids.roleId
        : route.path.startsWith('/api/v2/tenants')
          ? ids.tenantId
          : ids.userId,
      method: 'totp',
    });

  /** Sends one fuzzed body; checks the two invariants; returns nothing (fast-check reports the counterexample). */
  const probe = async (route: WriteRoute, payload: string, baseline: { counts: Record<string, number> }) => {
    const res = await t.request({
      method: route.method,
      url: urlOf(route),
      token: route.access === 'public' ? undefined : admin,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect({ payload, status: res.status, body: res.status >= 500 ? res.text : undefined }).toEqual({
      payload,
      status: expect.any(Number),
      body: undefined,
    });
    const counts = await fingerprint(t);
    if (res.status >= 400)
      expect({ payload, status: res.status, counts }).toEqual({ payload, status: res.status, counts: baseline.counts });
    baseline.counts = counts;
  };

  /** Failed password checks while fuzzing lock the fuzzing admin's account; each route starts unlocked. */
  const unlock = () => t.db.query(`UPDATE users_v2 SET failed_login_attempts = 0, locked_until = NULL`);

  /**
   * Values fuzzing found to break a route once (a 500): an unpaired surrogate (validator.js threw), an array
   * whose element has no toString (new Date threw), null for an optional field (bcrypt and the cursor
   * decoder threw). Tried in every field of every DTO, alone and in an array, on every run.
   */
  const FOUND: unknown[] = ['\ud800', [{ toString: null }], { valueOf: null, toString: null }, null];
  it.each(writeRoutes.map((r) => [key(r), r] as const))(
    '%s: values that broke a route before',
    async (_name, route) => {
      await unlock();
      const baseline = { counts: await fingerprint(t) };
      for (const field of route.fields) {
        for (const value of FOUND) {
          await probe(route, JSON.stringify({ ...validBody(route, ids), [field]: value }), baseline);
          await probe(route, JSON.stringify({ ...validBody(route, ids), [field]: [value] }), baseline);
        }
      }
    },
  );

  it.each(writeRoutes.map((r) => [key(r), r] as const))('%s: any JSON body', async (_name, route) => {
    await unlock();
    const baseline = { counts: await fingerprint(t) };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        (payload) => probe(route, payload, baseline),
      ),
      { numRuns: RUNS },
    );
  });

  it.each(writeRoutes.map((r) => [key(r), r] as const))(
    '%s: its own fields with arbitrary values, alone or over a valid body',
    async (_name, route) => {
      await unlock();
      const baseline = { counts: await fingerprint(t) };
      const fields = fc.record(Object.fromEntries(route.fields.map((f) => [f, value])), { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fields, (overValid, record) =>
          probe(route, JSON.stringify(overValid ? { ...validBody(route, ids), ...record } : record), baseline),
        ),
        { numRuns: RUNS },
      );
    },
  );
});
