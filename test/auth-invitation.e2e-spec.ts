import { createHash, randomBytes } from 'node:crypto';
import { createTenant, createUser, tenantId } from './support/fixtures';
import { TestApp, startTestApp } from './support/test-app';

const ACCEPT = '/api/v2/auth/invitations/accept';
const PASSWORD = 'Tulip-Harbor-42';

describe('Auth: accepting an invitation', () => {
  let t: TestApp;
  let defaultTenant: string;
  beforeAll(async () => {
    t = await startTestApp();
    defaultTenant = await tenantId(t);
  });
  afterAll(() => t.close());

  /** An invitation row as the invitations feature stores it: only the token's sha256. */
  async function invite(
    o: { email?: string; userType?: string; roles?: string[]; tenant?: string; userId?: string; expires?: string } = {},
  ) {
    const token = randomBytes(32).toString('base64url');
    const email = o.email ?? `invitee_${randomBytes(4).toString('hex')}@example.test`;
    const [row] = await t.db.query(
      `INSERT INTO invitations (tenant_id, email, user_type, roles, token_hash, user_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + $7::interval) RETURNING id`,
      [
        o.tenant ?? defaultTenant,
        email,
        o.userType ?? 'support',
        o.roles ?? [],
        createHash('sha256').update(token).digest('hex'),
        o.userId ?? null,
        o.expires ?? '7 days',
      ],
    );
    return { id: row.id as string, token, email };
  }
  const accept = (body: object, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: ACCEPT, body, headers });
  const username = () => `invited_${randomBytes(4).toString('hex')}`;

  it('creates the active, verified account the invitation describes, and signs it in', async () => {
    const [role] = await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, 'Helpdesk') RETURNING id`, [
      defaultTenant,
    ]);
    const inv = await invite({ userType: 'support', roles: ['helpdesk', 'no-such-role'] });
    const name = username();
    const res = await accept({ token: inv.token, username: name, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      sessionId: expect.any(String),
      user: { username: name, email: inv.email, userType: 'support', status: 'active', emailVerified: true },
    });
    const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: res.body.accessToken });
    expect(me.body.id).toBe(res.body.user.id);
    const [stored] = await t.db.query(
      `SELECT accepted_at IS NOT NULL AS accepted, user_id FROM invitations WHERE id = $1`,
      [inv.id],
    );
    expect(stored).toEqual({ accepted: true, user_id: res.body.user.id });
    const roles = await t.db.query(`SELECT role_id FROM user_roles WHERE user_id = $1`, [res.body.user.id]);
    expect(roles).toEqual([{ role_id: role.id }]);
    const actions = await t.db.query(`SELECT action FROM audit_log WHERE target_id = $1 ORDER BY created_at`, [
      res.body.user.id,
    ]);
    expect(actions.map((a: { action: string }) => a.action)).toEqual([
      'user.created',
      'user.invitation.accepted',
      'auth.login.success',
    ]);
    // The password works for later logins too.
    const again = await t.request({
      method: 'POST',
      url: '/api/v2/auth/login',
      body: { username: name, password: PASSWORD },
    });
    expect(again.status).toBe(200);
  });

  it('completes an account an administrator created pending for the invitation', async () => {
    const pending = await createUser(t, { status: 'pending', userType: 'technician' });
    await t.db.query(`UPDATE users_v2 SET email_verified = false WHERE id = $1`, [pending.id]);
    const inv = await invite({ email: pending.email, userType: 'technician', userId: pending.id });
    const name = username();
    const res = await accept({ token: inv.token, username: name, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: pending.id, username: name, status: 'active', emailVerified: true });
  });

  it('an invitation works once', async () => {
    const inv = await invite();
    expect((await accept({ token: inv.token, username: username(), password: PASSWORD })).status).toBe(200);
    const again = await accept({ token: inv.token, username: username(), password: PASSWORD });
    expect(again.status).toBe(400);
    expect(again.body.message).toBe('Invalid, expired or already used invitation');
  });

  it('refuses expired, revoked, unknown and other tenants’ invitations', async () => {
    const expired = await invite({ expires: '-1 minute' });
    const revoked = await invite();
    await t.db.query(`UPDATE invitations SET revoked_at = now() WHERE id = $1`, [revoked.id]);
    await createTenant(t, 'inviting-elsewhere');
    const elsewhere = await invite();
    for (const [token, headers] of [
      [expired.token, {}],
      [revoked.token, {}],
      ['unknown-token', {}],
      [elsewhere.token, { 'x-tenant-id': 'inviting-elsewhere' }],
    ] as const) {
      const res = await accept({ token, username: username(), password: PASSWORD }, headers);
      expect(res.status).toBe(400);
    }
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM users_v2 WHERE email IN ($1, $2, $3)`, [
      expired.email,
      revoked.email,
      elsewhere.email,
    ]);
    expect(row.n).toBe(0);
  });

  it('refuses a username or invited email already in use with 409', async () => {
    const existing = await createUser(t);
    const inv = await invite();
    expect((await accept({ token: inv.token, username: existing.username, password: PASSWORD })).status).toBe(409);
    const taken = await invite({ email: existing.email });
    expect((await accept({ token: taken.token, username: username(), password: PASSWORD })).status).toBe(409);
    // Neither refusal spent the invitation.
    expect((await accept({ token: inv.token, username: username(), password: PASSWORD })).status).toBe(200);
  });

  it('applies the password policy (422) and the 72-byte limit (400) without spending the invitation', async () => {
    const inv = await invite();
    const name = username();
    const weak = await accept({ token: inv.token, username: name, password: `${name}Aa1!` });
    expect(weak.status).toBe(422);
    expect(weak.body.violations).toEqual(['contains_username']);
    expect((await accept({ token: inv.token, username: name, password: `Aa1!${'x'.repeat(69)}` })).status).toBe(400);
    expect((await accept({ token: inv.token, username: name, password: PASSWORD })).status).toBe(200);
  });

  it('of two simultaneous acceptances, exactly one creates an account', async () => {
    const inv = await invite();
    const results = await Promise.all([
      accept({ token: inv.token, username: username(), password: PASSWORD }),
      accept({ token: inv.token, username: username(), password: PASSWORD }),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).map((r) => r.status)).toEqual([400]);
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM users_v2 WHERE email = $1`, [inv.email]);
    expect(row.n).toBe(1);
  });
});
