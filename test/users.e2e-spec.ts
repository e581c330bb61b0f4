import { createTenant, createUser, tenantId } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

/** Nothing that looks like a password hash, a token hash or a FieldCipher value may reach a client. */
function expectNoSecrets(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\$2[aby]\$/);
  expect(text).not.toMatch(/"v1\.[A-Za-z0-9_-]+\./);
  expect(text).not.toMatch(/password|hash|secret|_enc|Enc"/i);
}

describe('Users: accounts, profile, validation, tenancy', () => {
  let t: TestApp;
  let admin: string;
  let defaultTenant: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
    defaultTenant = await tenantId(t);
  });
  afterAll(() => t.close());

  const create = (body: object, token = admin) => t.request({ method: 'POST', url: '/api/v2/users', body, token });

  describe('GET/PUT /users/me', () => {
    it('returns the account with empty profile, contact information and default preferences', async () => {
      const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: admin });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({
        username: 'admin',
        roles: [],
        statusReason: null,
        profile: {
          displayName: null,
          avatarUrl: null,
          bio: null,
          jobTitle: null,
          department: null,
          timezone: null,
          locale: null,
        },
        contactInfo: { phone: null, mobilePhone: null, country: null, dateOfBirth: null },
        preferences: { language: null, theme: null, notifications: { email: true, sms: false }, settings: {} },
      });
      expectNoSecrets(me.body);
    });

    it('changes the own profile, contact information and preferences; absent fields stay, null clears', async () => {
      const user = await createUser(t);
      const { accessToken } = await login(t, user.username, user.password);
      const first = await t.request({
        method: 'PUT',
        url: '/api/v2/users/me',
        token: accessToken,
        body: {
          firstName: 'Zoë',
          profile: {
            displayName: 'Zoë B.',
            timezone: 'Europe/Berlin',
            locale: 'de-DE',
            avatarUrl: 'https://cdn.example.com/a.png',
            bio: 'Hi',
          },
          contactInfo: {
            phone: '+4930123456',
            mobilePhone: '+4915112345678',
            city: 'Berlin',
            country: 'de',
            dateOfBirth: '1990-04-30',
          },
          preferences: {
            language: 'de',
            theme: 'dark',
            notifications: { sms: true },
            settings: { dashboard: { widgets: ['a', 'b'] } },
          },
        },
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        firstName: 'Zoë',
        lastName: 'User',
        profile: { displayName: 'Zoë B.', timezone: 'Europe/Berlin', locale: 'de-DE', bio: 'Hi' },
        contactInfo: {
          phone: '+4930123456',
          mobilePhone: '+4915112345678',
          city: 'Berlin',
          country: 'DE',
          dateOfBirth: '1990-04-30',
        },
        preferences: {
          language: 'de',
          theme: 'dark',
          notifications: { email: true, sms: true },
          settings: { dashboard: { widgets: ['a', 'b'] } },
        },
      });

      const second = await t.request({
        method: 'PUT',
        url: '/api/v2/users/me',
        token: accessToken,
        body: { profile: { bio: null }, contactInfo: { city: null } },
      });
      expect(second.status).toBe(200);
      expect(second.body.profile).toMatchObject({ bio: null, displayName: 'Zoë B.' });
      expect(second.body.contactInfo).toMatchObject({ city: null, phone: '+4930123456' });

      const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: accessToken });
      expect(me.body).toEqual(second.body);
      expectNoSecrets(me.body);
    });

    it('keeps contact data encrypted in the database, never the clear value', async () => {
      const user = await createUser(t);
      const { accessToken } = await login(t, user.username, user.password);
      await t.request({
        method: 'PUT',
        url: '/api/v2/users/me',
        token: accessToken,
        body: { contactInfo: { phone: '+14155550199', addressLine1: '1 Secret Street', dateOfBirth: '1980-01-02' } },
      });
      const [row] = await t.db.query(`SELECT * FROM user_contact_info_v2 WHERE user_id = $1`, [user.id]);
      expect(row.phone_enc).toMatch(/^v1\.k1\./);
      expect(row.address_line1_enc).toMatch(/^v1\.k1\./);
      const raw = JSON.stringify(row);
      expect(raw).not.toContain('4155550199');
      expect(raw).not.toContain('Secret Street');
      expect(raw).not.toContain('1980-01-02');
    });

    it('writes user.updated with the names of the changed fields, not their values', async () => {
      const user = await createUser(t);
      const { accessToken } = await login(t, user.username, user.password);
      await t.request({
        method: 'PUT',
        url: '/api/v2/users/me',
        token: accessToken,
        body: { contactInfo: { phone: '+14155550111' } },
      });
      const [entry] = await t.db.query(
        `SELECT actor_id, metadata FROM audit_log WHERE action = 'user.updated' AND target_id = $1`,
        [user.id],
      );
      expect(entry.actor_id).toBe(user.id);
      expect(entry.metadata).toEqual({ fields: ['contactInfo.phone'], self: true });
    });

    it.each(['userType', 'status', 'roles', 'tenantId', 'emailVerified'])(
      'refuses a change of the own %s with 400 naming it',
      async (field) => {
        const value = {
          userType: 'super_admin',
          status: 'active',
          roles: ['x'],
          tenantId: defaultTenant,
          emailVerified: true,
        }[field];
        const res = await t.request({ method: 'PUT', url: '/api/v2/users/me', token: admin, body: { [field]: value } });
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body.message)).toContain(field);
      },
    );

    it.each([
      [{ passwordHash: '$2b$04$abc' }, 'passwordHash'],
      [{ password_hash: 'x' }, 'password_hash'],
      [{ nickname: 'x' }, 'nickname'],
      [{ profile: { favouriteColour: 'red' } }, 'favouriteColour'],
      [{ profile: { timezone: 'Mars/Olympus' } }, 'timezone'],
      [{ profile: { timezone: '+01:00' } }, 'timezone'],
      [{ profile: { avatarUrl: 'javascript:alert(1)' } }, 'avatarUrl'],
      [{ profile: { locale: 'not a locale' } }, 'locale'],
      [{ contactInfo: { phone: '030 123456' } }, 'phone'],
      [{ contactInfo: { mobilePhone: '+0123' } }, 'mobilePhone'],
      [{ contactInfo: { dateOfBirth: '2990-01-01' } }, 'dateOfBirth'],
      [{ contactInfo: { dateOfBirth: '1990-02-30' } }, 'dateOfBirth'],
      [{ contactInfo: { country: 'Germany' } }, 'country'],
      [{ preferences: { theme: 'pink' } }, 'theme'],
      [{ preferences: { settings: 'not an object' } }, 'settings'],
      [{ preferences: { settings: [1, 2] } }, 'settings'],
      [{ preferences: { notifications: { email: 'yes' } } }, 'email'],
      [{ firstName: null }, 'firstName'],
      [{ firstName: 'a\u0000b' }, 'firstName'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await t.request({ method: 'PUT', url: '/api/v2/users/me', token: admin, body });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('refuses settings over 16 KiB with 400, accepts just under', async () => {
      const big = await t.request({
        method: 'PUT',
        url: '/api/v2/users/me',
        token: admin,
        body: { preferences: { settings: { blob: 'x'.repeat(16 * 1024) } } },
      });
      expect(big.status).toBe(400);
      expect(JSON.stringify(big.body.message)).toContain('settings');
      const blob = 'x'.repeat(16 * 1024 - 20);
      const res = await t.request({
        method: 'PUT',
        url: '/api/v2/users/me',
        token: admin,
        body: { preferences: { settings: { blob } } },
      });
      expect(res.status).toBe(200);
    });
  });

  describe('POST /users', () => {
    it('creates an active account when given a password, which then signs in', async () => {
      const res = await create({
        username: 'Jane.Doe',
        email: '  Jane.Doe@Example.COM ',
        firstName: 'Jane',
        lastName: 'Doe',
        userType: 'technician',
        password: 'Correct-Horse-9!',
        phone: '+14155550100',
        termsAccepted: true,
        privacyAccepted: true,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        id: expect.any(String),
        tenantId: defaultTenant,
        username: 'Jane.Doe',
        email: 'jane.doe@example.com',
        userType: 'technician',
        status: 'active',
        isActive: true,
        emailVerified: false,
        roles: [],
        contactInfo: { phone: '+14155550100' },
      });
      expectNoSecrets(res.body);
      await login(t, 'jane.doe', 'Correct-Horse-9!');
      const [audit] = await t.db.query(
        `SELECT actor_id, metadata FROM audit_log WHERE action = 'user.created' AND target_id = $1`,
        [res.body.id],
      );
      expect(audit.metadata).toMatchObject({ userType: 'technician', status: 'active' });
      expect(JSON.stringify(audit.metadata)).not.toMatch(/jane|example/i);
    });

    it('creates a pending account without a password', async () => {
      const res = await create({ username: 'pending1', email: 'pending1@example.com', userType: 'customer' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'pending', isActive: false });
      const rows = await t.db.query(`SELECT 1 FROM user_passwords_v2 WHERE user_id = $1`, [res.body.id]);
      expect(rows).toHaveLength(0);
    });

    it('grants roles by name, and refuses an unknown role with 400', async () => {
      await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, 'Helpdesk'), ($1, 'auditor')`, [defaultTenant]);
      const ok = await create({
        username: 'roley',
        email: 'roley@example.com',
        userType: 'support',
        roles: ['helpdesk', 'AUDITOR'],
      });
      expect(ok.status).toBe(201);
      expect(ok.body.roles).toEqual(['auditor', 'Helpdesk']);
      const bad = await create({
        username: 'roley2',
        email: 'roley2@example.com',
        userType: 'support',
        roles: ['helpdesk', 'wizard'],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('wizard');
      const none = await t.db.query(`SELECT 1 FROM users_v2 WHERE username = 'roley2'`);
      expect(none).toHaveLength(0);
    });

    it('answers 409 for a username or email taken in the tenant, whatever the case', async () => {
      await create({ username: 'dupe', email: 'dupe@example.com', userType: 'customer' });
      const byName = await create({ username: 'DUPE', email: 'other@example.com', userType: 'customer' });
      expect(byName.status).toBe(409);
      expect(byName.body.message).toMatch(/username/);
      const byEmail = await create({ username: 'dupe2', email: 'Dupe@Example.com', userType: 'customer' });
      expect(byEmail.status).toBe(409);
      expect(byEmail.body.message).toMatch(/email/);
    });

    it('allows the same username and email in another tenant', async () => {
      await createTenant(t, 'acme');
      const acmeAdmin = await createUser(t, { tenant: 'acme', userType: 'tenant_admin' });
      const { accessToken } = await login(t, acmeAdmin.username, acmeAdmin.password, 'acme');
      const res = await create({ username: 'dupe', email: 'dupe@example.com', userType: 'customer' }, accessToken);
      expect(res.status).toBe(201);
      expect(res.body.tenantId).toBe(acmeAdmin.tenantId);
    });

    it.each([
      [{ username: 'ab', email: 'a@example.com', userType: 'customer' }, 'username'],
      [{ username: 'x'.repeat(51), email: 'a@example.com', userType: 'customer' }, 'username'],
      [{ username: 'bad name', email: 'a@example.com', userType: 'customer' }, 'username'],
      [{ username: 'émile', email: 'a@example.com', userType: 'customer' }, 'username'],
      [{ username: 'okname', email: 'not-an-email', userType: 'customer' }, 'email'],
      [{ username: 'okname', email: 'a@example.com', userType: 'overlord' }, 'userType'],
      [{ username: 'okname', email: 'a@example.com', userType: 'customer', phone: '12345' }, 'phone'],
      [{ username: 'okname', email: 'a@example.com', userType: 'customer', password: 'é'.repeat(37) }, 'password'],
      [{ username: 'okname', email: 'a@example.com', userType: 'customer', passwordHash: '$2b$04$x' }, 'passwordHash'],
      [{ username: 'okname', email: 'a@example.com', userType: 'customer', status: 'active' }, 'status'],
      [
        { username: 'okname', email: 'a@example.com', userType: 'customer', temporaryPassword: true },
        'temporaryPassword',
      ],
      [{ email: 'a@example.com', userType: 'customer' }, 'username'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('refuses a password shorter than the policy with 422', async () => {
      const res = await create({
        username: 'shorty',
        email: 'shorty@example.com',
        userType: 'customer',
        password: 'Ab1!',
      });
      expect(res.status).toBe(422);
    });

    it('marks a temporary password for change at the first sign-in', async () => {
      const res = await create({
        username: 'temp1',
        email: 'temp1@example.com',
        userType: 'customer',
        password: 'Temporary-Pass-1!',
        temporaryPassword: true,
      });
      expect(res.status).toBe(201);
      const [row] = await t.db.query(`SELECT must_change FROM user_passwords_v2 WHERE user_id = $1`, [res.body.id]);
      expect(row.must_change).toBe(true);
    });

    it('needs users:create (401 without a token, 403 for a customer)', async () => {
      const body = { username: 'nobody1', email: 'nobody1@example.com', userType: 'customer' };
      expect((await t.request({ method: 'POST', url: '/api/v2/users', body })).status).toBe(401);
      const customer = await createUser(t);
      const { accessToken } = await login(t, customer.username, customer.password);
      expect((await create(body, accessToken)).status).toBe(403);
    });

    it('does not let anyone create an account more powerful than their own (403)', async () => {
      const tenantAdmin = await createUser(t, { userType: 'tenant_admin' });
      const { accessToken } = await login(t, tenantAdmin.username, tenantAdmin.password);
      const res = await create(
        { username: 'wannabe', email: 'wannabe@example.com', userType: 'super_admin' },
        accessToken,
      );
      expect(res.status).toBe(403);
      const ok = await create({ username: 'helper1', email: 'helper1@example.com', userType: 'support' }, accessToken);
      expect(ok.status).toBe(201);
    });

    it('refuses a user type the tenant does not allow with 422', async () => {
      await createTenant(t, 'shop', { allowedUserTypes: ['tenant_admin', 'customer'] });
      const shopAdmin = await createUser(t, { tenant: 'shop', userType: 'tenant_admin' });
      const { accessToken } = await login(t, shopAdmin.username, shopAdmin.password, 'shop');
      const res = await create(
        { username: 'techie', email: 'techie@example.com', userType: 'technician' },
        accessToken,
      );
      expect(res.status).toBe(422);
    });
  });

  describe('GET/PUT/DELETE /users/{id}', () => {
    let other: { token: string; userId: string };

    beforeAll(async () => {
      await createTenant(t, 'globex');
      const globexAdmin = await createUser(t, { tenant: 'globex', userType: 'tenant_admin' });
      const globexUser = await createUser(t, { tenant: 'globex' });
      other = {
        token: (await login(t, globexAdmin.username, globexAdmin.password, 'globex')).accessToken,
        userId: globexUser.id,
      };
    });

    it('reads an account of the tenant in full', async () => {
      const created = await create({
        username: 'reader1',
        email: 'reader1@example.com',
        userType: 'customer',
        contactInfo: { city: 'Oslo' },
      });
      const res = await t.request({ method: 'GET', url: `/api/v2/users/${created.body.id}`, token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(created.body);
      expectNoSecrets(res.body);
    });

    it('answers 404 for another tenant’s user, on every route, and changes nothing', async () => {
      const id = other.userId;
      const routes = [
        { method: 'GET' as const, url: `/api/v2/users/${id}` },
        { method: 'PUT' as const, url: `/api/v2/users/${id}`, body: { firstName: 'Hacked' } },
        { method: 'DELETE' as const, url: `/api/v2/users/${id}` },
        { method: 'POST' as const, url: `/api/v2/users/${id}/suspend`, body: {} },
        { method: 'POST' as const, url: `/api/v2/users/${id}/deactivate`, body: {} },
        { method: 'POST' as const, url: `/api/v2/users/${id}/activate`, body: {} },
      ];
      for (const route of routes) {
        const res = await t.request({ ...route, token: admin });
        expect([route.url, res.status]).toEqual([route.url, 404]);
      }
      const [row] = await t.db.query(`SELECT first_name, status FROM users_v2 WHERE id = $1`, [id]);
      expect(row).toEqual({ first_name: 'Test', status: 'active' });
      // And the other way round: globex's admin cannot see default's admin.
      const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: admin });
      expect((await t.request({ method: 'GET', url: `/api/v2/users/${me.body.id}`, token: other.token })).status).toBe(
        404,
      );
    });

    it('lets a platform admin act in another tenant by X-Tenant-ID, and nobody else', async () => {
      const res = await t.request({
        method: 'GET',
        url: `/api/v2/users/${other.userId}`,
        token: admin,
        headers: { 'x-tenant-id': 'globex' },
      });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(other.userId);
      const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: admin });
      const crossing = await t.request({
        method: 'GET',
        url: `/api/v2/users/${me.body.id}`,
        token: other.token,
        headers: { 'x-tenant-id': 'default' },
      });
      expect(crossing.status).toBe(403);
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      expect((await t.request({ method: 'GET', url: '/api/v2/users/not-a-uuid', token: admin })).status).toBe(400);
      expect((await t.request({ method: 'GET', url: "/api/v2/users/1'%20OR%201=1", token: admin })).status).toBe(400);
      const unknown = await t.request({
        method: 'GET',
        url: '/api/v2/users/3f1c3a52-0000-4000-8000-000000000000',
        token: admin,
      });
      expect(unknown.status).toBe(404);
    });

    it('changes an account; a new email is unverified; the audit entry names the fields', async () => {
      const created = await create({ username: 'changeme1', email: 'changeme1@example.com', userType: 'customer' });
      await t.db.query(`UPDATE users_v2 SET email_verified = true WHERE id = $1`, [created.body.id]);
      const res = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${created.body.id}`,
        token: admin,
        body: { email: 'New.Address@Example.com', lastName: 'Changed', profile: { jobTitle: 'Engineer' } },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        email: 'new.address@example.com',
        emailVerified: false,
        lastName: 'Changed',
        profile: { jobTitle: 'Engineer' },
      });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));
      const [audit] = await t.db.query(
        `SELECT metadata FROM audit_log WHERE action = 'user.updated' AND target_id = $1`,
        [created.body.id],
      );
      expect(audit.metadata.fields.sort()).toEqual(['email', 'emailVerified', 'lastName', 'profile.jobTitle']);
    });

    it('answers 409 when the new username or email is taken', async () => {
      const a = await create({ username: 'takena', email: 'takena@example.com', userType: 'customer' });
      await create({ username: 'takenb', email: 'takenb@example.com', userType: 'customer' });
      const byName = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${a.body.id}`,
        token: admin,
        body: { username: 'TakenB' },
      });
      expect(byName.status).toBe(409);
      const byEmail = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${a.body.id}`,
        token: admin,
        body: { email: 'takenb@example.com' },
      });
      expect(byEmail.status).toBe(409);
    });

    it('refuses status, roles, tenantId and passwords in PUT, and the own userType', async () => {
      const a = await create({ username: 'puttest', email: 'puttest@example.com', userType: 'customer' });
      for (const [field, value] of Object.entries({
        status: 'active',
        roles: [],
        tenantId: defaultTenant,
        password: 'x',
        passwordHash: 'x',
      })) {
        const res = await t.request({
          method: 'PUT',
          url: `/api/v2/users/${a.body.id}`,
          token: admin,
          body: { [field]: value },
        });
        expect([field, res.status]).toEqual([field, 400]);
        expect(JSON.stringify(res.body.message)).toContain(field);
      }
      const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: admin });
      const own = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${me.body.id}`,
        token: admin,
        body: { userType: 'customer' },
      });
      expect(own.status).toBe(400);
      expect(own.body.message).toContain('userType');
    });

    it('changing the user type ends the user’s sessions so that the new permissions apply at once', async () => {
      const tech = await createUser(t, { userType: 'technician' });
      const session = await login(t, tech.username, tech.password);
      const res = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${tech.id}`,
        token: admin,
        body: { userType: 'customer' },
      });
      expect(res.status).toBe(200);
      expect(res.body.userType).toBe('customer');
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: session.accessToken })).status).toBe(
        401,
      );
    });

    it('soft-deletes: 204, then 404, sessions and keys revoked, username and email free again', async () => {
      const victim = await createUser(t);
      const session = await login(t, victim.username, victim.password);
      await t.db.query(
        `INSERT INTO user_api_keys_v2 (tenant_id, user_id, name, prefix, key_hash) VALUES ($1, $2, 'k', 'pfx', 'h-delete')`,
        [victim.tenantId, victim.id],
      );
      const del = await t.request({ method: 'DELETE', url: `/api/v2/users/${victim.id}`, token: admin });
      expect(del.status).toBe(204);
      expect((await t.request({ method: 'GET', url: `/api/v2/users/${victim.id}`, token: admin })).status).toBe(404);
      expect((await t.request({ method: 'DELETE', url: `/api/v2/users/${victim.id}`, token: admin })).status).toBe(404);
      expect((await t.request({ method: 'GET', url: '/api/v2/users/me', token: session.accessToken })).status).toBe(
        401,
      );
      const [row] = await t.db.query(`SELECT status, deleted_at FROM users_v2 WHERE id = $1`, [victim.id]);
      expect(row.status).toBe('deleted');
      expect(row.deleted_at).toBeInstanceOf(Date);
      const [key] = await t.db.query(
        `SELECT revoked_at, revoked_reason FROM user_api_keys_v2 WHERE key_hash = 'h-delete'`,
      );
      expect(key.revoked_at).toBeInstanceOf(Date);
      const again = await create({ username: victim.username, email: victim.email, userType: 'customer' });
      expect(again.status).toBe(201);
      const [audit] = await t.db.query(
        `SELECT metadata FROM audit_log WHERE action = 'user.deleted' AND target_id = $1`,
        [victim.id],
      );
      expect(audit.metadata).toMatchObject({ from: 'active', to: 'deleted', sessionsRevoked: 1, apiKeysRevoked: 1 });
    });

    it('refuses deleting the own account through the admin route (422) and needs users:delete', async () => {
      const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: admin });
      expect((await t.request({ method: 'DELETE', url: `/api/v2/users/${me.body.id}`, token: admin })).status).toBe(
        422,
      );
      const support = await createUser(t, { userType: 'support' });
      const { accessToken } = await login(t, support.username, support.password);
      const target = await createUser(t);
      expect(
        (await t.request({ method: 'DELETE', url: `/api/v2/users/${target.id}`, token: accessToken })).status,
      ).toBe(403);
    });

    it('does not let a tenant admin change or delete a super admin (403)', async () => {
      const tenantAdmin = await createUser(t, { userType: 'tenant_admin' });
      const { accessToken } = await login(t, tenantAdmin.username, tenantAdmin.password);
      const me = await t.request({ method: 'GET', url: '/api/v2/users/me', token: admin });
      const put = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${me.body.id}`,
        token: accessToken,
        body: { firstName: 'X' },
      });
      expect(put.status).toBe(403);
      expect(
        (await t.request({ method: 'DELETE', url: `/api/v2/users/${me.body.id}`, token: accessToken })).status,
      ).toBe(403);
    });
  });
});
