import { createHash } from 'node:crypto';
import { createTenant } from './support/fixtures';
import { lastToken, messagesTo } from './support/outbox';
import { TestApp, startTestApp } from './support/test-app';

const REGISTER = '/api/v2/auth/register';
const VERIFY = '/api/v2/auth/verify-email';
const GOOD_PASSWORD = 'Tulip-Harbor-42';

let seq = 0;
function newAccount(overrides: Record<string, unknown> = {}) {
  seq += 1;
  return {
    username: `reg_user_${seq}`,
    email: `Reg.User.${seq}@Example.test`,
    firstName: 'Jane',
    lastName: 'Doe',
    password: GOOD_PASSWORD,
    termsAccepted: true,
    privacyAccepted: true,
    ...overrides,
  };
}

describe('Auth: registration and email verification', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const register = (body: object, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: REGISTER, body, headers });
  const verify = (token: string, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: VERIFY, body: { token }, headers });
  const loginAs = (username: string, password: string) =>
    t.request({ method: 'POST', url: '/api/v2/auth/login', body: { username, password } });

  it('creates a pending customer, records consent, and emails a verification token that is not in the response', async () => {
    const body = newAccount({ phone: '+4915112345678' });
    const res = await register(body, { 'user-agent': 'jest' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      username: body.username,
      email: body.email.toLowerCase(),
      firstName: 'Jane',
      lastName: 'Doe',
      userType: 'customer',
      status: 'pending',
      isActive: false,
      emailVerified: false,
    });
    const token = lastToken(t, body.email, 'email_verification');
    expect(res.text).not.toContain(token);
    expect(res.text).not.toMatch(/password|hash/i);

    const consents = await t.db.query(
      `SELECT document, version, ip_address FROM user_consents WHERE user_id = $1 ORDER BY document`,
      [res.body.id],
    );
    expect(consents).toEqual([
      { document: 'privacy', version: '1', ip_address: '127.0.0.1' },
      { document: 'terms', version: '1', ip_address: '127.0.0.1' },
    ]);
    const [stored] = await t.db.query(
      `SELECT token_hash, expires_at > now() + interval '23 hours' AND expires_at < now() + interval '25 hours' AS in_24h
         FROM one_time_tokens WHERE user_id = $1 AND purpose = 'email_verification'`,
      [res.body.id],
    );
    expect(stored).toEqual({ token_hash: createHash('sha256').update(token).digest('hex'), in_24h: true });
    const [contact] = await t.db.query(`SELECT phone_enc FROM user_contact_info_v2 WHERE user_id = $1`, [res.body.id]);
    expect(contact.phone_enc).toMatch(/^v1\./);
    expect(contact.phone_enc).not.toContain('15112345678');
    const [audit] = await t.db.query(
      `SELECT actor_id, metadata FROM audit_log WHERE action = 'user.created' AND target_id = $1`,
      [res.body.id],
    );
    expect(audit).toEqual({
      actor_id: res.body.id,
      metadata: { source: 'registration', consentVersions: { terms: '1', privacy: '1' } },
    });
  });

  it('cannot sign in before verifying (however often it tries); after verifying it is active and can', async () => {
    const body = newAccount();
    const res = await register(body);
    for (let i = 0; i < 7; i++) {
      const early = await loginAs(body.username, body.password);
      expect(early.status).toBe(401);
      expect(early.body.message).toMatch(/verify your email/);
    }
    const verified = await verify(lastToken(t, body.email, 'email_verification'));
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ id: res.body.id, status: 'active', isActive: true, emailVerified: true });
    expect((await loginAs(body.username, body.password)).status).toBe(200);
    const [audit] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.email.verified' AND target_id = $1`,
      [res.body.id],
    );
    expect(audit.n).toBe(1);
  });

  it('a verification token works once, only before it expires, and only in its tenant', async () => {
    const body = newAccount();
    await register(body);
    const token = lastToken(t, body.email, 'email_verification');
    await createTenant(t, 'verify-elsewhere');
    expect((await verify(token, { 'x-tenant-id': 'verify-elsewhere' })).status).toBe(400);
    expect((await verify(token)).status).toBe(200);
    const again = await verify(token);
    expect(again.status).toBe(400);
    expect(again.body.message).toBe('Invalid or expired verification token');
    expect((await verify('not-a-token')).status).toBe(400);

    const late = newAccount();
    const lateRes = await register(late);
    await t.db.query(`UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [
      lateRes.body.id,
    ]);
    expect((await verify(lastToken(t, late.email, 'email_verification'))).status).toBe(400);
  });

  it('records the tenant’s current consent versions', async () => {
    await createTenant(t, 'consenting', { consentVersions: { terms: '2026-01', privacy: '7' } });
    const res = await register(newAccount(), { 'x-tenant-id': 'consenting' });
    expect(res.status).toBe(201);
    const rows = await t.db.query(`SELECT document, version FROM user_consents WHERE user_id = $1 ORDER BY document`, [
      res.body.id,
    ]);
    expect(rows).toEqual([
      { document: 'privacy', version: '7' },
      { document: 'terms', version: '2026-01' },
    ]);
  });

  it('refuses a username or email already used in the tenant (any case) with 409, but not in another tenant', async () => {
    const first = newAccount();
    expect((await register(first)).status).toBe(201);
    const sameName = await register(newAccount({ username: first.username.toUpperCase() }));
    expect(sameName.status).toBe(409);
    expect(sameName.body.message).toBe('The username is already taken');
    const sameEmail = await register(newAccount({ email: first.email.toUpperCase() }));
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body.message).toBe('An account with this email already exists');
    await createTenant(t, 'second-shop');
    expect((await register({ ...first }, { 'x-tenant-id': 'second-shop' })).status).toBe(201);
  });

  it('refuses a password the policy rejects with 422, listing every broken rule', async () => {
    const res = await register(newAccount({ username: 'tulipfan', password: 'tulipfan' }));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity' });
    expect(res.body.violations).toEqual(['uppercase', 'number', 'symbol', 'contains_username']);
    expect(res.body.message).toEqual([
      'Password must contain an uppercase letter',
      'Password must contain a number',
      'Password must contain a symbol',
      'Password must not contain the username',
    ]);
    const common = await register(newAccount({ password: 'Password123!' }));
    expect(common.status).toBe(422);
    expect(common.body.violations).toEqual(['common']);
  });

  it('refuses a password over 72 bytes with 400 rather than truncating it', async () => {
    const res = await register(newAccount({ password: `Aa1!${'x'.repeat(69)}` }));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/72 bytes/);
    expect((await register(newAccount({ password: `Aa1!-${'x'.repeat(67)}` }))).status).toBe(201);
  });

  it('requires both terms and privacy acceptance, and rejects fields a user may not set', async () => {
    const noTerms = await register(newAccount({ termsAccepted: false }));
    expect(noTerms.status).toBe(400);
    expect(noTerms.body.message).toEqual([expect.stringContaining('termsAccepted must be true')]);
    const noPrivacy = await register(newAccount({ privacyAccepted: undefined }));
    expect(noPrivacy.status).toBe(400);
    expect(JSON.stringify(noPrivacy.body.message)).toContain('privacyAccepted');
    for (const extra of [{ userType: 'super_admin' }, { roles: ['tenant_admin'] }, { status: 'active' }]) {
      const res = await register(newAccount(extra));
      expect(res.status).toBe(400);
    }
    const badName = await register(newAccount({ username: 'no spaces!' }));
    expect(badName.status).toBe(400);
    const badPhone = await register(newAccount({ phone: '0151 123' }));
    expect(badPhone.status).toBe(400);
    const [count] = await t.db.query(`SELECT count(*)::int AS n FROM users_v2 WHERE user_type = 'super_admin'`);
    expect(count.n).toBe(1);
  });

  it('is closed in a tenant that does not allow customers', async () => {
    await createTenant(t, 'staff-only', { allowedUserTypes: ['tenant_admin', 'support'] });
    const res = await register(newAccount(), { 'x-tenant-id': 'staff-only' });
    expect(res.status).toBe(403);
  });

  it('sends exactly one verification email per registration', async () => {
    const body = newAccount();
    await register(body);
    expect(messagesTo(t, body.email, 'email_verification')).toHaveLength(1);
    expect(messagesTo(t, body.email, 'email_verification')[0]).toMatchObject({
      channel: 'email',
      subject: expect.any(String),
    });
  });
});
