import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTenant, createUser, tenantId } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

describe('Users: invitations', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
  });
  afterAll(() => t.close());

  const invite = (body: object, token = admin) =>
    t.request({ method: 'POST', url: '/api/v2/users/invitations', body, token });
  const list = (token = admin, query = '') =>
    t.request({ method: 'GET', url: `/api/v2/users/invitations${query}`, token });
  const revoke = (id: string, token = admin) =>
    t.request({ method: 'DELETE', url: `/api/v2/users/invitations/${id}`, token });

  /** The invitation messages of the file outbox for an address. */
  function outbox(to: string): { to: string; kind: string; token: string; text: string }[] {
    const dir = join(t.dataDir, 'outbox');
    return readdirSync(dir)
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
      .filter((m) => m.to === to && m.kind === 'invitation');
  }

  it('creates a pending invitation; the token goes only to the outbox, and only its hash is stored', async () => {
    await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, 'Field Crew')`, [await tenantId(t)]);
    const before = Date.now();
    const res = await invite({ email: 'New.Hire@Example.com', userType: 'technician', roles: ['field crew'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      email: 'new.hire@example.com',
      userType: 'technician',
      roles: ['Field Crew'],
      expiresAt: expect.any(String),
      status: 'pending',
      invitedBy: expect.any(String),
      createdAt: expect.any(String),
    });
    const ttl = Date.parse(res.body.expiresAt) - before;
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThan(7 * 86_400_000 + 60_000);

    const [message] = outbox('new.hire@example.com');
    expect(message.token).toMatch(/^inv_[A-Za-z0-9_-]{40,}$/);
    expect(message.text).toContain(message.token);
    expect(JSON.stringify(res.body)).not.toContain(message.token);
    const [row] = await t.db.query(`SELECT token_hash FROM invitations WHERE id = $1`, [res.body.id]);
    expect(row.token_hash).toBe(createHash('sha256').update(message.token).digest('hex'));
    expect(JSON.stringify(await list())).not.toContain(message.token);
    const [audit] = await t.db.query(
      `SELECT metadata FROM audit_log WHERE action = 'invitation.created' AND target_id = $1`,
      [res.body.id],
    );
    expect(audit.metadata).toMatchObject({ userType: 'technician', roles: ['Field Crew'] });
    expect(JSON.stringify(audit.metadata)).not.toContain('example.com');
  });

  it('lists pending invitations (not shadowed by GET /users/{id}), and revokes them', async () => {
    const created = await invite({ email: 'listed@example.com', userType: 'customer' });
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, pageSize: 20, total: expect.any(Number) });
    expect(res.body.items.map((i: { id: string }) => i.id)).toContain(created.body.id);

    expect((await revoke(created.body.id)).status).toBe(204);
    const after = await list();
    expect(after.body.items.map((i: { id: string }) => i.id)).not.toContain(created.body.id);
    expect((await revoke(created.body.id)).status).toBe(409);
    const [audit] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'invitation.revoked' AND target_id = $1`,
      [created.body.id],
    );
    expect(audit.n).toBe(1);
  });

  it('pages the list', async () => {
    for (const n of [1, 2, 3]) await invite({ email: `paged${n}@example.com`, userType: 'customer' });
    const page = await list(admin, '?page=2&pageSize=2');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ page: 2, pageSize: 2 });
    expect(page.body.items).toHaveLength(2);
    expect((await list(admin, '?pageSize=101')).status).toBe(400);
    expect((await list(admin, '?page=zero')).status).toBe(400);
  });

  it('inviting an address again replaces its pending invitation', async () => {
    const first = await invite({ email: 'twice@example.com', userType: 'customer' });
    const second = await invite({ email: 'twice@example.com', userType: 'support' });
    expect(second.status).toBe(201);
    const pending = (await list(admin, '?pageSize=100')).body.items.filter(
      (i: { email: string }) => i.email === 'twice@example.com',
    );
    expect(pending.map((i: { id: string }) => i.id)).toEqual([second.body.id]);
    const [old] = await t.db.query(`SELECT revoked_at FROM invitations WHERE id = $1`, [first.body.id]);
    expect(old.revoked_at).toBeInstanceOf(Date);
  });

  it.each([
    [{ email: 'not-an-email', userType: 'customer' }, 'email'],
    [{ email: 'x@example.com', userType: 'overlord' }, 'userType'],
    [{ email: 'x@example.com', userType: 'customer', roles: ['no such role'] }, 'no such role'],
    [{ email: 'x@example.com', userType: 'customer', token: 'mine' }, 'token'],
    [{ userType: 'customer' }, 'email'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const res = await invite(body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
  });

  it('answers 409 for an address that already has an account in the tenant', async () => {
    const user = await createUser(t);
    const res = await invite({ email: user.email.toUpperCase(), userType: 'customer' });
    expect(res.status).toBe(409);
  });

  it('needs users:invite and cannot invite a more powerful account', async () => {
    const customer = await createUser(t);
    const customerToken = (await login(t, customer.username, customer.password)).accessToken;
    expect((await invite({ email: 'c@example.com', userType: 'customer' }, customerToken)).status).toBe(403);
    expect((await list(customerToken)).status).toBe(403);
    const reseller = await createUser(t, { userType: 'reseller' });
    const resellerToken = (await login(t, reseller.username, reseller.password)).accessToken;
    expect((await invite({ email: 'boss@example.com', userType: 'tenant_admin' }, resellerToken)).status).toBe(403);
    expect((await invite({ email: 'client@example.com', userType: 'customer' }, resellerToken)).status).toBe(201);
  });

  it('answers 404 for another tenant’s invitation and 400 for a malformed id', async () => {
    await createTenant(t, 'hooli');
    const hooliAdmin = await createUser(t, { tenant: 'hooli', userType: 'tenant_admin' });
    const hooliToken = (await login(t, hooliAdmin.username, hooliAdmin.password, 'hooli')).accessToken;
    const theirs = await invite({ email: 'hooli.hire@example.com', userType: 'customer' }, hooliToken);
    expect(theirs.status).toBe(201);
    expect((await revoke(theirs.body.id)).status).toBe(404);
    expect((await list()).body.items.map((i: { id: string }) => i.id)).not.toContain(theirs.body.id);
    expect((await revoke('not-a-uuid')).status).toBe(400);
    expect((await revoke('3f1c3a52-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
