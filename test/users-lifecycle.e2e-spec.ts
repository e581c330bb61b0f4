import { createHash, randomUUID } from 'node:crypto';
import { createTenant, createUser, tenantId } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

describe('Users: lifecycle and bulk operations', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  let defaultTenant: string;

  beforeAll(async () => {
    t = await startTestApp();
    const session = await login(t, 'admin', ADMIN_PASSWORD);
    admin = session.accessToken;
    adminId = session.user.id;
    defaultTenant = await tenantId(t);
  });
  afterAll(() => t.close());

  const status = (id: string, action: string, body: object = {}, token = admin) =>
    t.request({ method: 'POST', url: `/api/v2/users/${id}/${action}`, body, token });
  const bulk = (body: object, headers: Record<string, string> = {}, token = admin) =>
    t.request({ method: 'POST', url: '/api/v2/users/bulk-operation', body, token, headers });
  const addApiKey = async (user: { id: string; tenantId: string }) => {
    const hash = `hash-${randomUUID()}`;
    await t.db.query(
      `INSERT INTO user_api_keys_v2 (tenant_id, user_id, name, prefix, key_hash) VALUES ($1, $2, 'k', 'p', $3)`,
      [user.tenantId, user.id, hash],
    );
    return async () =>
      (await t.db.query(`SELECT revoked_at FROM user_api_keys_v2 WHERE key_hash = $1`, [hash]))[0].revoked_at;
  };
  const auditCount = async (action?: string) =>
    (
      await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE $1::text IS NULL OR action = $1`, [
        action ?? null,
      ])
    )[0].n;

  /** Inserts `n` active users in one statement, each with a password row and a live session. */
  async function manyUsers(n: number, prefix: string): Promise<string[]> {
    const rows = await t.db.query(
      `INSERT INTO users_v2 (tenant_id, username, email, user_type, status)
       SELECT $1, $2 || g, $2 || g || '@example.test', 'customer', 'active' FROM generate_series(1, $3) g RETURNING id`,
      [defaultTenant, prefix, n],
    );
    const ids: string[] = rows.map((r: { id: string }) => r.id);
    await t.db.query(
      `INSERT INTO user_passwords_v2 (user_id, tenant_id, password_hash) SELECT u, $1, 'x' FROM unnest($2::uuid[]) u`,
      [defaultTenant, ids],
    );
    await t.db.query(
      `INSERT INTO user_sessions_v2 (tenant_id, user_id, refresh_token_hash, expires_at)
       SELECT $1, u, 'rt-' || u, now() + interval '1 day' FROM unnest($2::uuid[]) u`,
      [defaultTenant, ids],
    );
    return ids;
  }

  describe('POST /users/{id}/activate|deactivate|suspend', () => {
    it('suspend: 200 with the user, reason stored and audited, sessions and API keys revoked, no more sign-in', async () => {
      const user = await createUser(t);
      const session = await login(t, user.username, user.password);
      const keyRevokedAt = await addApiKey(user);

      const res = await status(user.id, 'suspend', { reason: 'Chargeback fraud' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: user.id,
        status: 'suspended',
        isActive: false,
        statusReason: 'Chargeback fraud',
      });
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: session.accessToken })).status).toBe(
        401,
      );
      expect(await keyRevokedAt()).toBeInstanceOf(Date);
      const [audit] = await t.db.query(
        `SELECT actor_id, metadata FROM audit_log WHERE action = 'user.suspended' AND target_id = $1`,
        [user.id],
      );
      expect(audit.actor_id).toBe(adminId);
      expect(audit.metadata).toMatchObject({
        from: 'active',
        to: 'suspended',
        reason: 'Chargeback fraud',
        sessionsRevoked: 1,
        apiKeysRevoked: 1,
      });
      await expect(login(t, user.username, user.password)).rejects.toThrow(/401/);
    });

    it('activate brings a suspended user back; sign-in works again', async () => {
      const user = await createUser(t, { status: 'suspended' });
      const res = await status(user.id, 'activate', { reason: 'Cleared' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'active', isActive: true, statusReason: 'Cleared' });
      await login(t, user.username, user.password);
      expect(await auditCount('user.activated')).toBeGreaterThan(0);
    });

    it('deactivate revokes sessions and keys too; the body is optional', async () => {
      const user = await createUser(t);
      const session = await login(t, user.username, user.password);
      const keyRevokedAt = await addApiKey(user);
      const res = await t.request({ method: 'POST', url: `/api/v2/users/${user.id}/deactivate`, token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'inactive', statusReason: null });
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: session.accessToken })).status).toBe(
        401,
      );
      expect(await keyRevokedAt()).toBeInstanceOf(Date);
      const [audit] = await t.db.query(
        `SELECT metadata FROM audit_log WHERE action = 'user.deactivated' AND target_id = $1`,
        [user.id],
      );
      expect(audit.metadata).toMatchObject({ from: 'active', to: 'inactive' });
    });

    it('activates a pending account', async () => {
      const user = await createUser(t, { status: 'pending' });
      const res = await status(user.id, 'activate');
      expect(res.body.status).toBe('active');
    });

    it('repeating a change is a no-op: 200, nothing audited twice', async () => {
      const user = await createUser(t);
      await status(user.id, 'suspend');
      const before = await auditCount('user.suspended');
      const again = await status(user.id, 'suspend', { reason: 'again' });
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('suspended');
      expect(await auditCount('user.suspended')).toBe(before);
    });

    it('refuses changing the own status (422), a too long reason or unknown fields (400)', async () => {
      expect((await status(adminId, 'suspend')).status).toBe(422);
      expect((await status(adminId, 'deactivate')).status).toBe(422);
      const user = await createUser(t);
      expect((await status(user.id, 'suspend', { reason: 'x'.repeat(501) })).status).toBe(400);
      expect((await status(user.id, 'suspend', { until: 'tomorrow' })).status).toBe(400);
      expect((await status('nope', 'suspend')).status).toBe(400);
      expect((await status(randomUUID(), 'suspend')).status).toBe(404);
    });

    it('needs users:status (403 for a customer and a technician) and cannot touch a more powerful account', async () => {
      const target = await createUser(t);
      for (const userType of ['customer', 'technician'] as const) {
        const caller = await createUser(t, { userType });
        const { accessToken } = await login(t, caller.username, caller.password);
        expect((await status(target.id, 'suspend', {}, accessToken)).status).toBe(403);
      }
      const supportAgent = await createUser(t, { userType: 'support' });
      const { accessToken } = await login(t, supportAgent.username, supportAgent.password);
      expect((await status(adminId, 'suspend', {}, accessToken)).status).toBe(403);
      expect((await status(target.id, 'suspend', {}, accessToken)).status).toBe(200);
    });

    it('answers 404 for a user of another tenant', async () => {
      await createTenant(t, 'initech');
      const foreign = await createUser(t, { tenant: 'initech' });
      for (const action of ['activate', 'deactivate', 'suspend']) {
        expect((await status(foreign.id, action)).status).toBe(404);
      }
      const [row] = await t.db.query(`SELECT status FROM users_v2 WHERE id = $1`, [foreign.id]);
      expect(row.status).toBe('active');
    });
  });

  describe('POST /users/bulk-operation', () => {
    it('suspends 1000 users in one request, each with its audit entry, sessions revoked', async () => {
      const ids = await manyUsers(1000, 'bulk1k_');
      const res = await bulk({ operation: 'suspend', userIds: ids });
      expect(res.status).toBe(200);
      expect(res.body.failed).toEqual([]);
      expect(res.body.succeeded).toEqual(ids);
      const [counts] = await t.db.query(
        `SELECT count(*) FILTER (WHERE status = 'suspended')::int AS suspended, count(*)::int AS total
           FROM users_v2 WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      expect(counts).toEqual({ suspended: 1000, total: 1000 });
      const [live] = await t.db.query(
        `SELECT count(*)::int AS n FROM user_sessions_v2 WHERE user_id = ANY($1::uuid[]) AND revoked_at IS NULL`,
        [ids],
      );
      expect(live.n).toBe(0);
      const [audits] = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.suspended' AND target_id = ANY($1::uuid[])`,
        [ids],
      );
      expect(audits.n).toBe(1000);
    });

    it('reports each failure without stopping the others', async () => {
      const [a, b] = await manyUsers(2, 'mixed_');
      await createTenant(t, 'umbrella');
      const foreign = await createUser(t, { tenant: 'umbrella' });
      const unknown = randomUUID();
      const deleted = (await manyUsers(1, 'gone_'))[0];
      await t.db.query(`UPDATE users_v2 SET status = 'deleted', deleted_at = now() WHERE id = $1`, [deleted]);
      const res = await bulk({ operation: 'deactivate', userIds: [a, unknown, foreign.id, adminId, deleted, b] });
      expect(res.status).toBe(200);
      expect(res.body.succeeded).toEqual([a, b]);
      expect(res.body.failed).toEqual([
        { id: unknown, error: 'User not found' },
        { id: foreign.id, error: 'User not found' },
        { id: adminId, error: expect.stringMatching(/own account/) },
        { id: deleted, error: 'User not found' },
      ]);
      const [row] = await t.db.query(`SELECT status FROM users_v2 WHERE id = $1`, [foreign.id]);
      expect(row.status).toBe('active');
    });

    it('dryRun reports what would happen and changes nothing', async () => {
      const ids = await manyUsers(3, 'dry_');
      const auditsBefore = await auditCount();
      const res = await bulk({ operation: 'delete', userIds: [...ids, adminId], dryRun: true });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        succeeded: ids,
        failed: [{ id: adminId, error: expect.stringMatching(/own account/) }],
        dryRun: true,
      });
      const rows = await t.db.query(`SELECT status, deleted_at FROM users_v2 WHERE id = ANY($1::uuid[])`, [ids]);
      expect(rows).toEqual(ids.map(() => ({ status: 'active', deleted_at: null })));
      const [sessions] = await t.db.query(
        `SELECT count(*)::int AS n FROM user_sessions_v2 WHERE user_id = ANY($1::uuid[]) AND revoked_at IS NULL`,
        [ids],
      );
      expect(sessions.n).toBe(3);
      expect(await auditCount()).toBe(auditsBefore);
    });

    it('a retried Idempotency-Key returns the first answer and does nothing twice; another body is 422', async () => {
      const ids = await manyUsers(3, 'idem_');
      const headers = { 'idempotency-key': `retry-${randomUUID()}` };
      const body = { operation: 'suspend', userIds: ids };
      const first = await bulk(body, headers);
      expect(first.status).toBe(200);
      expect(first.body.succeeded).toEqual(ids);
      // Between the two tries someone reactivates one user: a replay must not suspend it again.
      await status(ids[0], 'activate');
      const auditsBefore = await auditCount();

      const retry = await bulk(body, headers);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
      expect(await auditCount()).toBe(auditsBefore);
      const [row] = await t.db.query(`SELECT status FROM users_v2 WHERE id = $1`, [ids[0]]);
      expect(row.status).toBe('active');

      const other = await bulk({ operation: 'activate', userIds: ids }, headers);
      expect(other.status).toBe(422);
      expect(await auditCount()).toBe(auditsBefore);
    });

    it('answers 409 while a request with the same key is still running; a claim abandoned for minutes is taken over', async () => {
      const ids = await manyUsers(1, 'inflight_');
      const key = `inflight-${randomUUID()}`;
      const body = { operation: 'suspend', userIds: ids };
      const requestHash = createHash('sha256')
        .update(JSON.stringify(['suspend', ids, null, false]))
        .digest('hex');
      await t.db.query(
        `INSERT INTO idempotency_keys (tenant_id, actor_id, key, request_hash) VALUES ($1, $2, $3, $4)`,
        [defaultTenant, adminId, key, requestHash],
      );
      const busy = await bulk(body, { 'idempotency-key': key });
      expect(busy.status).toBe(409);
      const [row] = await t.db.query(`SELECT status FROM users_v2 WHERE id = $1`, [ids[0]]);
      expect(row.status).toBe('active');

      await t.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '10 minutes' WHERE key = $1`, [key]);
      const retaken = await bulk(body, { 'idempotency-key': key });
      expect(retaken.status).toBe(200);
      expect(retaken.body.succeeded).toEqual(ids);
    });

    it('keys are per caller: another admin may use the same key for their own request', async () => {
      const ids = await manyUsers(1, 'percaller_');
      const key = { 'idempotency-key': `shared-${randomUUID()}` };
      await bulk({ operation: 'suspend', userIds: ids }, key);
      const otherAdmin = await createUser(t, { userType: 'tenant_admin' });
      const { accessToken } = await login(t, otherAdmin.username, otherAdmin.password);
      const res = await bulk({ operation: 'activate', userIds: ids }, key, accessToken);
      expect(res.status).toBe(200);
      expect(res.body.succeeded).toEqual(ids);
    });

    it('assign_role and remove_role by name', async () => {
      await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, 'Billing')`, [defaultTenant]);
      const ids = await manyUsers(2, 'roles_');
      const assign = await bulk({ operation: 'assign_role', userIds: ids, role: 'billing' });
      expect(assign.body).toEqual({ succeeded: ids, failed: [], dryRun: false });
      const user = await t.request({ method: 'GET', url: `/api/v2/users/${ids[0]}`, token: admin });
      expect(user.body.roles).toEqual(['Billing']);
      expect(await auditCount('user.role_assigned')).toBe(2);
      const remove = await bulk({ operation: 'remove_role', userIds: [ids[0]], role: 'Billing' });
      expect(remove.body.succeeded).toEqual([ids[0]]);
      const after = await t.request({ method: 'GET', url: `/api/v2/users/${ids[0]}`, token: admin });
      expect(after.body.roles).toEqual([]);
      expect(await auditCount('user.role_removed')).toBe(1);
    });

    it('force_password_reset sets must_change and ends the sessions; an account without password fails alone', async () => {
      const user = await createUser(t);
      const session = await login(t, user.username, user.password);
      const pending = await createUser(t, { status: 'pending' });
      await t.db.query(`DELETE FROM user_passwords_v2 WHERE user_id = $1`, [pending.id]);
      const res = await bulk({ operation: 'force_password_reset', userIds: [user.id, pending.id] });
      expect(res.body).toEqual({
        succeeded: [user.id],
        failed: [{ id: pending.id, error: expect.stringMatching(/no password/) }],
        dryRun: false,
      });
      const [row] = await t.db.query(`SELECT must_change FROM user_passwords_v2 WHERE user_id = $1`, [user.id]);
      expect(row.must_change).toBe(true);
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: session.accessToken })).status).toBe(
        401,
      );
      expect(await auditCount('user.password_reset_forced')).toBe(1);
    });

    it.each([
      ['an unknown operation', { operation: 'explode', userIds: [randomUUID()] }],
      ['no ids', { operation: 'suspend', userIds: [] }],
      ['1001 ids', { operation: 'suspend', userIds: Array.from({ length: 1001 }, () => randomUUID()) }],
      [
        'a repeated id',
        {
          operation: 'suspend',
          userIds: ['3f1c3a52-0000-4000-8000-000000000000', '3f1c3a52-0000-4000-8000-000000000000'],
        },
      ],
      ['a malformed id', { operation: 'suspend', userIds: ['not-a-uuid'] }],
      ['assign_role without role', { operation: 'assign_role', userIds: [randomUUID()] }],
      ['an unknown role', { operation: 'assign_role', userIds: [randomUUID()], role: 'nope' }],
      ['a role for suspend', { operation: 'suspend', userIds: [randomUUID()], role: 'Billing' }],
      ['an unknown field', { operation: 'suspend', userIds: [randomUUID()], force: true }],
    ])('refuses %s with 400', async (_label, body) => {
      expect((await bulk(body)).status).toBe(400);
    });

    it('refuses a malformed Idempotency-Key with 400', async () => {
      const res = await bulk({ operation: 'suspend', userIds: [randomUUID()] }, { 'idempotency-key': 'x'.repeat(256) });
      expect(res.status).toBe(400);
    });

    it('needs users:bulk and the permission of the operation', async () => {
      const ids = await manyUsers(1, 'perm_');
      const supportAgent = await createUser(t, { userType: 'support' });
      const support = (await login(t, supportAgent.username, supportAgent.password)).accessToken;
      expect((await bulk({ operation: 'suspend', userIds: ids }, {}, support)).status).toBe(403);
      const [row] = await t.db.query(`SELECT status FROM users_v2 WHERE id = $1`, [ids[0]]);
      expect(row.status).toBe('active');

      // A reseller (users:status, not users:delete) given users:bulk by a custom role.
      const reseller = await createUser(t, { userType: 'reseller' });
      await t.db.query(`INSERT INTO permissions (name) VALUES ('users:bulk') ON CONFLICT DO NOTHING`);
      const [role] = await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, 'bulker') RETURNING id`, [
        defaultTenant,
      ]);
      await t.db.query(`INSERT INTO role_permissions (tenant_id, role_id, permission) VALUES ($1, $2, 'users:bulk')`, [
        defaultTenant,
        role.id,
      ]);
      await t.db.query(`INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)`, [
        defaultTenant,
        reseller.id,
        role.id,
      ]);
      const token = (await login(t, reseller.username, reseller.password)).accessToken;
      expect((await bulk({ operation: 'delete', userIds: ids }, {}, token)).status).toBe(403);
      const suspended = await bulk({ operation: 'suspend', userIds: ids }, {}, token);
      expect(suspended.body.succeeded).toEqual(ids);
    });
  });
});
