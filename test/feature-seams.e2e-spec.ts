import { randomBytes } from 'node:crypto';
import type { UserType } from '../src/common/user-types';
import { auditCount, enrolTotp, passwordLogin, post } from './mfa.support';
import { createTenant, createUser, tenantId, type FixtureUser } from './support/fixtures';
import { lastToken } from './support/outbox';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** Where the features meet: users × passwords, users × RBAC, lifecycle × API keys, passwords × devices, login × consent. */
describe('Feature seams', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  let defaultTenant: string;

  beforeAll(async () => {
    t = await startTestApp();
    const tokens = await login(t, 'admin', ADMIN_PASSWORD);
    admin = tokens.accessToken;
    adminId = tokens.user.id;
    defaultTenant = await tenantId(t);
  });
  afterAll(() => t.close());

  const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;
  const signedIn = async (userType: UserType) => {
    const user = await createUser(t, { userType });
    return { ...user, token: (await login(t, user.username, user.password)).accessToken };
  };
  const createUserApi = (body: object, token = admin) =>
    t.request({ method: 'POST', url: '/api/v2/users', body, token });
  const denials = async (actorId: string) =>
    (
      await t.db.query(
        `SELECT target_id, success, metadata FROM audit_log WHERE action = 'rbac.escalation_denied' AND actor_id = $1
          ORDER BY created_at`,
        [actorId],
      )
    ).map((r: { target_id: string | null; success: boolean; metadata: Record<string, unknown> }) => ({
      targetId: r.target_id,
      success: r.success,
      attemptedAction: r.metadata.attemptedAction,
      reason: r.metadata.reason,
    }));

  describe('POST /users uses the password policy of registration', () => {
    it('refuses a weak password with 422 listing every rule it breaks, exactly as registration does', async () => {
      const username = unique('weakling');
      const email = `${username}@example.test`;
      const password = `${username}xyz`; // lower case and digits, and the "_" of the username as symbol
      const created = await createUserApi({ username, email, userType: 'customer', password });
      expect(created.status).toBe(422);
      expect(created.body.violations).toEqual(['uppercase', 'contains_username', 'contains_email']);
      expect(await t.db.query(`SELECT 1 FROM users_v2 WHERE username = $1`, [username])).toHaveLength(0);

      const registered = await t.request({
        method: 'POST',
        url: '/api/v2/auth/register',
        body: { username, email, password, firstName: 'W', lastName: 'L', termsAccepted: true, privacyAccepted: true },
      });
      expect(registered.status).toBe(422);
      expect({ message: created.body.message, violations: created.body.violations }).toEqual({
        message: registered.body.message,
        violations: registered.body.violations,
      });
    });

    it('refuses a common password and one over 72 bytes (400)', async () => {
      const common = await createUserApi({
        username: unique('common'),
        email: `${unique('common')}@example.test`,
        userType: 'customer',
        password: 'Password123!',
      });
      expect(common.status).toBe(422);
      expect(common.body.violations).toEqual(['common']);
      const long = await createUserApi({
        username: unique('long'),
        email: `${unique('long')}@example.test`,
        userType: 'customer',
        password: `Aa1!${'x'.repeat(69)}`,
      });
      expect(long.status).toBe(400);
      expect(JSON.stringify(long.body.message)).toMatch(/password.*72 bytes/);
    });
  });

  describe('privilege checks go through the RBAC feature', () => {
    it('a tenant admin creating a super admin: 403 and rbac.escalation_denied', async () => {
      const tenantAdmin = await signedIn('tenant_admin');
      const res = await createUserApi(
        { username: unique('wannabe'), email: `${unique('w')}@example.test`, userType: 'super_admin' },
        tenantAdmin.token,
      );
      expect(res.status).toBe(403);
      expect(await denials(tenantAdmin.id)).toEqual([
        { targetId: null, success: false, attemptedAction: 'user.create', reason: 'user_type_rank' },
      ]);
    });

    it('only a super admin makes super admins: a platform admin gets 403 on create and on a type change', async () => {
      const platformAdmin = await signedIn('platform_admin');
      const create = await createUserApi(
        { username: unique('boss'), email: `${unique('b')}@example.test`, userType: 'super_admin' },
        platformAdmin.token,
      );
      expect(create.status).toBe(403);
      const target = await createUser(t, { userType: 'tenant_admin' });
      const promote = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${target.id}`,
        token: platformAdmin.token,
        body: { userType: 'super_admin' },
      });
      expect(promote.status).toBe(403);
      const [row] = await t.db.query(`SELECT user_type FROM users_v2 WHERE id = $1`, [target.id]);
      expect(row.user_type).toBe('tenant_admin');
      expect(await denials(platformAdmin.id)).toEqual([
        { targetId: null, success: false, attemptedAction: 'user.create', reason: 'user_type_rank' },
        { targetId: target.id, success: false, attemptedAction: 'user.update', reason: 'user_type_rank' },
      ]);
      // A super admin may.
      const allowed = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${target.id}`,
        token: admin,
        body: { userType: 'platform_admin' },
      });
      expect(allowed.status).toBe(200);
    });

    it('a tenant admin cannot change a platform admin’s type: 403 and audited', async () => {
      const tenantAdmin = await signedIn('tenant_admin');
      const platformAdmin = await createUser(t, { userType: 'platform_admin' });
      const res = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${platformAdmin.id}`,
        token: tenantAdmin.token,
        body: { userType: 'customer' },
      });
      expect(res.status).toBe(403);
      expect(await denials(tenantAdmin.id)).toEqual([
        { targetId: platformAdmin.id, success: false, attemptedAction: 'user.update', reason: 'platform_target' },
      ]);
    });

    it('POST /users with roles: only roles whose permissions the caller holds (403 and audited otherwise)', async () => {
      const roleName = unique('Auditors');
      const [role] = await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, $2) RETURNING id`, [
        defaultTenant,
        roleName,
      ]);
      await t.db.query(`INSERT INTO role_permissions (tenant_id, role_id, permission) VALUES ($1, $2, 'audit:read')`, [
        defaultTenant,
        role.id,
      ]);
      const reseller = await signedIn('reseller');
      const body = { username: unique('client'), email: `${unique('c')}@example.test`, userType: 'customer' };
      const refused = await createUserApi({ ...body, roles: [roleName] }, reseller.token);
      expect(refused.status).toBe(403);
      expect(await t.db.query(`SELECT 1 FROM users_v2 WHERE username = $1`, [body.username])).toHaveLength(0);
      expect(await denials(reseller.id)).toEqual([
        { targetId: null, success: false, attemptedAction: 'user.create', reason: 'missing_permissions' },
      ]);
      const granted = await createUserApi({ ...body, roles: [roleName] });
      expect(granted.status).toBe(201);
      expect(granted.body.roles).toEqual([roleName]);
    });

    it('bulk assign_role: a role above the caller is 403 and audited; the own account is refused', async () => {
      const tenantAdmin = await signedIn('tenant_admin');
      const customer = await createUser(t);
      const bulk = (body: object) =>
        t.request({ method: 'POST', url: '/api/v2/users/bulk-operation', token: tenantAdmin.token, body });
      const escalate = await bulk({ operation: 'assign_role', role: 'super_admin', userIds: [customer.id] });
      expect(escalate.status).toBe(403);
      expect(await t.db.query(`SELECT 1 FROM user_roles WHERE user_id = $1`, [customer.id])).toHaveLength(0);

      const helpdesk = unique('Helpdesk');
      await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, $2)`, [defaultTenant, helpdesk]);
      const res = await bulk({ operation: 'assign_role', role: helpdesk, userIds: [customer.id, tenantAdmin.id] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        succeeded: [customer.id],
        failed: [{ id: tenantAdmin.id, error: expect.stringMatching(/own/) }],
      });
      expect(await denials(tenantAdmin.id)).toEqual([
        { targetId: null, success: false, attemptedAction: 'user.bulk.assign_role', reason: 'user_type_rank' },
        { targetId: tenantAdmin.id, success: false, attemptedAction: 'user.bulk.assign_role', reason: 'self_change' },
      ]);
    });

    it('a reseller inviting a tenant admin: 403 and audited; nothing is sent', async () => {
      const reseller = await signedIn('reseller');
      const email = `${unique('boss')}@example.test`;
      const res = await t.request({
        method: 'POST',
        url: '/api/v2/users/invitations',
        token: reseller.token,
        body: { email, userType: 'tenant_admin' },
      });
      expect(res.status).toBe(403);
      expect(await t.db.query(`SELECT 1 FROM invitations WHERE email = $1`, [email])).toHaveLength(0);
      expect(await denials(reseller.id)).toEqual([
        { targetId: null, success: false, attemptedAction: 'invitation.create', reason: 'missing_permissions' },
      ]);
    });

    it('an invitation can only carry roles the inviter could grant; accepting it grants them', async () => {
      const roleName = unique('Auditors');
      const [role] = await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, $2) RETURNING id`, [
        defaultTenant,
        roleName,
      ]);
      await t.db.query(`INSERT INTO role_permissions (tenant_id, role_id, permission) VALUES ($1, $2, 'audit:read')`, [
        defaultTenant,
        role.id,
      ]);
      const invite = (token: string, email: string) =>
        t.request({
          method: 'POST',
          url: '/api/v2/users/invitations',
          token,
          body: { email, userType: 'customer', roles: [roleName] },
        });
      const reseller = await signedIn('reseller');
      expect((await invite(reseller.token, `${unique('x')}@example.test`)).status).toBe(403);
      expect(await denials(reseller.id)).toEqual([
        { targetId: null, success: false, attemptedAction: 'invitation.create', reason: 'missing_permissions' },
      ]);

      const email = `${unique('invitee')}@example.test`;
      expect((await invite(admin, email)).status).toBe(201);
      const username = unique('invitee');
      const accepted = await t.request({
        method: 'POST',
        url: '/api/v2/auth/invitations/accept',
        body: { token: lastToken(t, email, 'invitation'), username, password: 'Tulip-Harbor-42' },
      });
      expect(accepted.status).toBe(200);
      const roles = await t.request({
        method: 'GET',
        url: `/api/v2/users/${accepted.body.user.id}/roles`,
        token: admin,
      });
      expect(roles.body).toMatchObject({ roles: [roleName], permissions: ['audit:read'] });
      // The customer can do what the role allows, with the token the acceptance returned.
      const audit = await t.request({ method: 'GET', url: '/api/v2/audit', token: accepted.body.accessToken });
      expect(audit.status).toBe(200);
    });
  });

  describe('API keys die with their owner’s account, at once', () => {
    /** A reseller with a key that has just been used (so it sits in the in-process key cache). */
    async function keyedUser(): Promise<FixtureUser & { key: string }> {
      const owner = await signedIn('reseller');
      const created = await t.request({
        method: 'POST',
        url: '/api/v2/api-keys',
        token: owner.token,
        body: { name: 'integration', scopes: ['users:read'] },
      });
      expect(created.status).toBe(201);
      const keyed = { ...owner, key: created.body.key as string };
      expect((await useKey(keyed)).status).toBe(200);
      return keyed;
    }
    /** Reads another account than the owner's, so that a deleted owner's 404 cannot hide a 200. */
    const useKey = (u: { key: string }) => t.request({ method: 'GET', url: `/api/v2/users/${adminId}`, apiKey: u.key });

    it('suspend: the very next request with the key is 401', async () => {
      const owner = await keyedUser();
      const res = await t.request({ method: 'POST', url: `/api/v2/users/${owner.id}/suspend`, token: admin, body: {} });
      expect(res.status).toBe(200);
      expect((await useKey(owner)).status).toBe(401);
      const [row] = await t.db.query(`SELECT revoked_reason FROM user_api_keys_v2 WHERE user_id = $1`, [owner.id]);
      expect(row.revoked_reason).toBe('user_suspended');
    });

    it('bulk deactivate and delete: the very next request with each key is 401', async () => {
      const [a, b] = [await keyedUser(), await keyedUser()];
      const bulk = (operation: string, id: string) =>
        t.request({
          method: 'POST',
          url: '/api/v2/users/bulk-operation',
          token: admin,
          body: { operation, userIds: [id] },
        });
      expect((await bulk('deactivate', a.id)).body.succeeded).toEqual([a.id]);
      expect((await bulk('delete', b.id)).body.succeeded).toEqual([b.id]);
      expect((await useKey(a)).status).toBe(401);
      expect((await useKey(b)).status).toBe(401);
      const [audit] = await t.db.query(
        `SELECT metadata FROM audit_log WHERE action = 'user.deactivated' AND target_id = $1`,
        [a.id],
      );
      expect(audit.metadata).toMatchObject({ apiKeysRevoked: 1, bulk: true });
    });

    it('DELETE /users/{id}: the very next request with the key is 401', async () => {
      const owner = await keyedUser();
      expect((await t.request({ method: 'DELETE', url: `/api/v2/users/${owner.id}`, token: admin })).status).toBe(204);
      expect((await useKey(owner)).status).toBe(401);
    });

    it('GDPR erasure: the very next request with the key is 401', async () => {
      const owner = await keyedUser();
      expect((await t.request({ method: 'POST', url: `/api/v2/users/${owner.id}/erase`, token: admin })).status).toBe(
        200,
      );
      expect((await useKey(owner)).status).toBe(401);
      const [row] = await t.db.query(`SELECT revoked_reason FROM user_api_keys_v2 WHERE user_id = $1`, [owner.id]);
      expect(row.revoked_reason).toBe('user_erased');
    });

    it('a user type change applies to the keys at once: the next request has the new type’s permissions', async () => {
      const owner = await signedIn('tenant_admin');
      const created = await t.request({
        method: 'POST',
        url: '/api/v2/api-keys',
        token: owner.token,
        body: { name: 'reports', scopes: ['audit:read'] },
      });
      const key = created.body.key as string;
      expect((await t.request({ method: 'GET', url: '/api/v2/audit', apiKey: key })).status).toBe(200);
      const demoted = await t.request({
        method: 'PUT',
        url: `/api/v2/users/${owner.id}`,
        token: admin,
        body: { userType: 'customer' },
      });
      expect(demoted.status).toBe(200);
      expect((await t.request({ method: 'GET', url: '/api/v2/audit', apiKey: key })).status).toBe(403);
    });

    it('a role taken away by a bulk remove_role applies to the keys at once', async () => {
      const roleName = unique('Auditors');
      const [role] = await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, $2) RETURNING id`, [
        defaultTenant,
        roleName,
      ]);
      await t.db.query(
        `INSERT INTO role_permissions (tenant_id, role_id, permission) VALUES ($1, $2, 'audit:read'), ($1, $2, 'apikeys:manage')`,
        [defaultTenant, role.id],
      );
      const owner = await createUser(t);
      await t.db.query(`INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)`, [
        defaultTenant,
        owner.id,
        role.id,
      ]);
      const { accessToken } = await login(t, owner.username, owner.password);
      const created = await t.request({
        method: 'POST',
        url: '/api/v2/api-keys',
        token: accessToken,
        body: { name: 'reports', scopes: ['audit:read'] },
      });
      const key = created.body.key as string;
      expect((await t.request({ method: 'GET', url: '/api/v2/audit', apiKey: key })).status).toBe(200);
      const removed = await t.request({
        method: 'POST',
        url: '/api/v2/users/bulk-operation',
        token: admin,
        body: { operation: 'remove_role', role: roleName, userIds: [owner.id] },
      });
      expect(removed.body.succeeded).toEqual([owner.id]);
      expect((await t.request({ method: 'GET', url: '/api/v2/audit', apiKey: key })).status).toBe(403);
    });
  });

  describe('a new password ends the trust of devices', () => {
    /** A user with TOTP whose Firefox is trusted (the challenge used a backup code). */
    async function trustedUser() {
      const user = await createUser(t);
      const session = await login(t, user.username, user.password);
      const { backupCodes } = await enrolTotp(t, session.accessToken);
      const headers = { 'user-agent': FIREFOX };
      const step = await passwordLogin(t, user, { headers });
      const done = await post(
        t,
        '/auth/mfa/challenge',
        { mfaToken: step.body.mfaToken, code: backupCodes[0], trustDevice: true },
        { headers },
      );
      expect(done.status).toBe(200);
      const trusted = await passwordLogin(t, user, { deviceToken: done.body.deviceToken, headers });
      expect(trusted.body.mfaRequired).toBeUndefined();
      return { ...user, deviceToken: done.body.deviceToken as string, accessToken: done.body.accessToken as string };
    }
    const liveDevices = async (userId: string) =>
      (
        await t.db.query(`SELECT count(*)::int AS n FROM trusted_devices WHERE user_id = $1 AND revoked_at IS NULL`, [
          userId,
        ])
      )[0].n;

    it('after a password change, the trusted device token no longer skips MFA', async () => {
      const user = await trustedUser();
      const newPassword = 'Quartz-Meadow-73!';
      const changed = await post(
        t,
        '/auth/password/change',
        { currentPassword: user.password, newPassword },
        { token: user.accessToken },
      );
      expect(changed.status).toBe(204);
      expect(await liveDevices(user.id)).toBe(0);
      const again = await passwordLogin(
        t,
        { ...user, password: newPassword },
        { deviceToken: user.deviceToken, headers: { 'user-agent': FIREFOX } },
      );
      expect(again.status).toBe(200);
      expect(again.body.mfaRequired).toBe(true);
      const [audit] = await t.db.query(
        `SELECT metadata FROM audit_log WHERE action = 'auth.password.changed' AND target_id = $1`,
        [user.id],
      );
      expect(audit.metadata).toMatchObject({ trustedDevicesRevoked: 1 });
    });

    it('after a password reset, the trusted device token no longer skips MFA', async () => {
      const user = await trustedUser();
      expect((await post(t, '/auth/password/forgot', { email: user.email })).status).toBe(202);
      let token: string | undefined;
      for (let i = 0; i < 50 && !token; i++) {
        try {
          token = lastToken(t, user.email, 'password_reset');
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      const newPassword = 'Quartz-Meadow-74!';
      expect((await post(t, '/auth/password/reset', { token, newPassword })).status).toBe(204);
      expect(await liveDevices(user.id)).toBe(0);
      const again = await passwordLogin(
        t,
        { ...user, password: newPassword },
        { deviceToken: user.deviceToken, headers: { 'user-agent': FIREFOX } },
      );
      expect(again.body.mfaRequired).toBe(true);
    });
  });

  describe('consent in the login answer', () => {
    it('asks for consent once the tenant raises its versions, until the user accepts both', async () => {
      const tenant = await createTenant(t, unique('consent').toLowerCase().replace('_', '-'));
      const headers = { 'x-tenant-id': tenant.slug };
      const username = unique('consenter');
      const email = `${username}@example.test`;
      const password = 'Violet-Canyon-58!';
      const registered = await t.request({
        method: 'POST',
        url: '/api/v2/auth/register',
        headers,
        body: { username, email, password, firstName: 'C', lastName: 'S', termsAccepted: true, privacyAccepted: true },
      });
      expect(registered.status).toBe(201);
      const verified = await t.request({
        method: 'POST',
        url: '/api/v2/auth/verify-email',
        headers,
        body: { token: lastToken(t, email, 'email_verification') },
      });
      expect(verified.status).toBe(200);

      const user = { username, password };
      const first = await passwordLogin(t, user, { tenant: tenant.slug });
      expect(first.status).toBe(200);
      expect(first.body.consentRequired).toBeUndefined();
      const { backupCodes } = await enrolTotp(t, first.body.accessToken);

      const raised = await t.request({
        method: 'PUT',
        url: `/api/v2/tenants/${tenant.id}`,
        token: admin,
        body: { settings: { consentVersions: { terms: '2', privacy: '2' } } },
      });
      expect(raised.status).toBe(200);

      // The MFA challenge's answer is the login answer.
      const challenge = async (code: string) => {
        const step = await passwordLogin(t, user, { tenant: tenant.slug });
        expect(step.body.mfaRequired).toBe(true);
        const done = await post(t, '/auth/mfa/challenge', { mfaToken: step.body.mfaToken, code }, { headers });
        expect(done.status).toBe(200);
        return done.body;
      };
      const asked = await challenge(backupCodes[0]);
      expect(asked.consentRequired).toBe(true);

      const accept = (document: string) =>
        post(t, '/users/me/consents', { document, version: '2' }, { token: asked.accessToken });
      expect((await accept('terms')).status).toBe(200);
      expect((await challenge(backupCodes[1])).consentRequired).toBe(true);
      expect((await accept('privacy')).status).toBe(200);
      expect((await challenge(backupCodes[2])).consentRequired).toBeUndefined();
      expect(await auditCount(t, 'consent.accepted', registered.body.id)).toBe(2);
    });
  });
});
