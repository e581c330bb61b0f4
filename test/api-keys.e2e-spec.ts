import { createHash } from 'node:crypto';
import { ApiKeyAuthenticator } from '../src/api-keys/api-key.authenticator';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import type { UserType } from '../src/common/user-types';
import { RequestContext } from '../src/common/context/request-context';
import { createUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

describe('API keys', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
  });
  afterAll(() => t.close());

  const signedIn = async (userType: UserType, tenant?: string) => {
    const u = await createUser(t, { userType, tenant });
    return { ...u, token: (await login(t, u.username, u.password, tenant)).accessToken };
  };
  const createKey = (token: string, body: object) =>
    t.request({ method: 'POST', url: '/api/v2/api-keys', token, body });

  it('POST → 201 with the key shown once; only its sha256 is stored; the list never shows it', async () => {
    const res = await createKey(admin, { name: 'billing-sync', scopes: ['users:read', 'audit:read'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      key: expect.stringMatching(/^dmac_[A-Za-z0-9_-]{43}$/),
      prefix: res.body.key.slice(0, 12),
      name: 'billing-sync',
      scopes: ['audit:read', 'users:read'],
      expiresAt: null,
      lastUsedAt: null,
      createdAt: expect.any(String),
    });
    const [row] = await t.db.query(`SELECT key_hash, prefix FROM user_api_keys_v2 WHERE id = $1`, [res.body.id]);
    expect(row.key_hash).toBe(createHash('sha256').update(res.body.key).digest('hex'));
    expect(JSON.stringify(await t.db.query(`SELECT * FROM user_api_keys_v2`))).not.toContain(res.body.key);

    const list = await t.request({ method: 'GET', url: '/api/v2/api-keys', token: admin });
    expect(list.status).toBe(200);
    const listed = list.body.items.find((k: { id: string }) => k.id === res.body.id);
    const { key: _key, ...withoutKey } = res.body;
    expect(listed).toEqual(withoutKey);
    expect(list.text).not.toContain(res.body.key);
    expect(list.text).not.toContain(row.key_hash);
    const [audit] = await t.db.query(
      `SELECT metadata FROM audit_log WHERE action = 'apikey.created' AND target_id = $1`,
      [res.body.id],
    );
    expect(audit.metadata).toEqual({ scopes: ['audit:read', 'users:read'], expiresAt: null });
  });

  it('authenticates with X-API-Key as its owner', async () => {
    const key = await createKey(admin, { name: 'me', scopes: ['users:read'] });
    const me = await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('admin');
  });

  it.each([
    ['garbage', 'not-a-key'],
    ['an unknown key of the right shape', `dmac_${'A'.repeat(43)}`],
  ])('401 for %s', async (_what, apiKey) => {
    const res = await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey });
    expect(res.status).toBe(401);
  });

  it('a key only does what its scopes allow, even for a super admin', async () => {
    const key = await createKey(admin, { name: 'narrow', scopes: ['users:read'] });
    const tenants = await t.request({ method: 'GET', url: '/api/v2/tenants', apiKey: key.body.key });
    expect(tenants.status).toBe(403);
    const wide = await createKey(admin, { name: 'wide', scopes: ['tenants:manage'] });
    expect((await t.request({ method: 'GET', url: '/api/v2/tenants', apiKey: wide.body.key })).status).toBe(200);
  });

  it("at use, a key's permissions are its scopes narrowed to what its owner holds now", async () => {
    const tech = await signedIn('technician');
    await t.request({
      method: 'POST',
      url: '/api/v2/roles',
      token: admin,
      body: { name: 'key-auditor', permissions: ['apikeys:manage', 'audit:read'] },
    });
    await t.request({
      method: 'POST',
      url: `/api/v2/users/${tech.id}/roles`,
      token: admin,
      body: { roles: ['key-auditor'] },
    });
    const key = await createKey(tech.token, { name: 'audit', scopes: ['audit:read', 'users:read'] });
    expect(key.status).toBe(201);
    const permissionsOfKey = async () => {
      const principal = await t.app
        .get(ApiKeyAuthenticator)
        .authenticate({ headers: { 'x-api-key': key.body.key } } as never);
      return [...principal!.permissions].sort();
    };
    expect(await permissionsOfKey()).toEqual(['audit:read', 'users:read']);
    await t.request({ method: 'POST', url: `/api/v2/users/${tech.id}/roles`, token: admin, body: { roles: [] } });
    expect(await permissionsOfKey()).toEqual(['users:read']);
  });

  it('scopes beyond the owner’s permissions → 403, audited, no key created', async () => {
    const reseller = await signedIn('reseller');
    const res = await createKey(reseller.token, { name: 'greedy', scopes: ['users:read', 'users:delete'] });
    expect(res.status).toBe(403);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM user_api_keys_v2 WHERE user_id = $1`, [
      reseller.id,
    ]);
    expect(n).toBe(0);
    const entries = await t.db.query(
      `SELECT metadata FROM audit_log WHERE action = 'rbac.escalation_denied' AND actor_id = $1`,
      [reseller.id],
    );
    expect(entries.map((e: { metadata: object }) => e.metadata)).toEqual([
      { attemptedAction: 'apikey.create', reason: 'missing_permissions', missing: ['users:delete'] },
    ]);
  });

  it('creating needs apikeys:manage; listing and revoking your own keys needs only a sign-in', async () => {
    const customer = await signedIn('customer');
    expect((await createKey(customer.token, { name: 'x', scopes: ['users:read'] })).status).toBe(403);
    const list = await t.request({ method: 'GET', url: '/api/v2/api-keys', token: customer.token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [], total: 0, page: 1, pageSize: 20 });
  });

  it.each([
    [{ name: 'x', scopes: [] }, /scopes/],
    [{ name: 'x', scopes: ['users:fly'] }, /scopes/],
    [{ name: '', scopes: ['users:read'] }, /name/],
    [{ name: 'x', scopes: ['users:read'], expiresAt: 'tomorrow' }, /expiresAt/],
    [{ name: 'x', scopes: ['users:read'], expiresAt: '2001-01-01T00:00:00Z' }, /future/],
    [{ name: 'x', scopes: ['users:read'], key: 'dmac_mine' }, /key/],
  ])('400 for %j', async (body, message) => {
    const res = await createKey(admin, body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toMatch(message);
  });

  it('an expired key → 401', async () => {
    const key = await createKey(admin, {
      name: 'short',
      scopes: ['users:read'],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(Date.parse(key.body.expiresAt)).toBeGreaterThan(Date.now());
    await t.db.query(`UPDATE user_api_keys_v2 SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      key.body.id,
    ]);
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key })).status).toBe(401);
  });

  it('DELETE → 204 and the key stops working at once; 404 for a key that is not yours', async () => {
    const key = await createKey(admin, { name: 'doomed', scopes: ['users:read'] });
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key })).status).toBe(200);
    const other = await signedIn('tenant_admin');
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v2/api-keys/${key.body.id}`, token: other.token })).status,
    ).toBe(404);
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key })).status).toBe(200);

    expect((await t.request({ method: 'DELETE', url: `/api/v2/api-keys/${key.body.id}`, token: admin })).status).toBe(
      204,
    );
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key })).status).toBe(401);
    expect((await t.request({ method: 'DELETE', url: `/api/v2/api-keys/${key.body.id}`, token: admin })).status).toBe(
      404,
    );
    const list = await t.request({ method: 'GET', url: '/api/v2/api-keys?pageSize=100', token: admin });
    expect(list.body.items.map((k: { id: string }) => k.id)).not.toContain(key.body.id);
  });

  it.each(['suspended', 'inactive', 'deleted'])('a key whose owner is %s is refused', async (status) => {
    const owner = await signedIn('reseller');
    const key = await createKey(owner.token, { name: 'k', scopes: ['users:read'] });
    await t.db.query(`UPDATE users_v2 SET status = $2 WHERE id = $1`, [owner.id, status]);
    expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key })).status).toBe(401);
  });

  it('revokeAllForUser (for the users feature) revokes every key of a user at once', async () => {
    const owner = await signedIn('reseller');
    const keys = await Promise.all(
      [1, 2].map((i) => createKey(owner.token, { name: `k${i}`, scopes: ['users:read'] })),
    );
    for (const k of keys)
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: k.body.key })).status).toBe(200);
    const revoked = await t.db.transaction((manager) =>
      t.app.get(ApiKeysService).revokeAllForUser(manager, owner.tenantId, owner.id, 'user_suspended'),
    );
    expect(revoked.sort()).toEqual(keys.map((k) => k.body.id).sort());
    for (const k of keys)
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: k.body.key })).status).toBe(401);
  });

  it('costs one query on a cache miss (by the unique index of key_hash) and none once cached', async () => {
    const key = await createKey(admin, { name: 'counted', scopes: ['users:read'] });
    await t.db.query(`UPDATE user_api_keys_v2 SET last_used_at = now() WHERE id = $1`, [key.body.id]);
    const authenticator = t.app.get(ApiKeyAuthenticator);
    const request = { headers: { 'x-api-key': key.body.key } } as never;
    // Only the queries of these calls count: background work (the audit sealer's ticks) queries meanwhile.
    const counted = { requestId: 'counted-api-key', ip: '127.0.0.1', userAgent: 'test' };
    const authenticate = () => RequestContext.run(counted, () => authenticator.authenticate(request));
    const queries: string[] = [];
    const spy = jest.spyOn(t.db.logger, 'logQuery').mockImplementation((query: string) => {
      if (RequestContext.currentRequestId() === counted.requestId) queries.push(query);
    });
    try {
      await authenticate();
      expect(queries).toEqual([expect.stringContaining('FROM user_api_keys_v2 k')]);
      queries.length = 0;
      for (let i = 0; i < 5; i++) await authenticate();
      expect(queries).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('records when a key was last used', async () => {
    const key = await createKey(admin, { name: 'used', scopes: ['users:read'] });
    await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key });
    await t.request({ method: 'GET', url: '/api/v2/users/me', apiKey: key.body.key });
    let row: { last_used_at: Date | null } | undefined;
    for (let i = 0; i < 50 && !row?.last_used_at; i++) {
      [row] = await t.db.query(`SELECT last_used_at FROM user_api_keys_v2 WHERE id = $1`, [key.body.id]);
      if (!row?.last_used_at) await new Promise((r) => setTimeout(r, 20));
    }
    expect(row?.last_used_at).toBeInstanceOf(Date);
  });

  it('API keys never reach the API-key routes, so a key cannot mint or revoke keys', async () => {
    const key = await createKey(admin, { name: 'all', scopes: ['apikeys:manage', 'users:read'] });
    const mint = await t.request({
      method: 'POST',
      url: '/api/v2/api-keys',
      apiKey: key.body.key,
      body: { name: 'y', scopes: ['users:read'] },
    });
    expect(mint.status).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v2/api-keys', apiKey: key.body.key })).status).toBe(403);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v2/api-keys/${key.body.id}`, apiKey: key.body.key })).status,
    ).toBe(403);
  });

  it('a key acts only in its own tenant: X-Tenant-ID naming another is 403, even for a super admin’s key', async () => {
    await t.request({ method: 'POST', url: '/api/v2/tenants', token: admin, body: { name: 'Other', slug: 'other-k' } });
    const key = await createKey(admin, { name: 'home', scopes: ['users:read'] });
    const res = await t.request({
      method: 'GET',
      url: '/api/v2/users/me',
      apiKey: key.body.key,
      headers: { 'x-tenant-id': 'other-k' },
    });
    expect(res.status).toBe(403);
  });
});
