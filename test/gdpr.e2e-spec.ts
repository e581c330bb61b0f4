import { createHash, randomBytes } from 'node:crypto';
import { AuditRetentionService } from '../src/audit/audit-retention.service';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { FieldCipher } from '../src/common/crypto/field-cipher';
import { ConsentService } from '../src/gdpr/consent.service';
import { TenantResolver } from '../src/tenants/tenant-resolver';
import { FixtureUser, createTenant, createUser, tenantId } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, Tokens, login, startTestApp } from './support/test-app';

const NO_ADMIN_MFA = { passwordPolicy: { requireMfaForAdmin: false } };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Person extends FixtureUser {
  firstName: string;
  lastName: string;
  phone: string;
  mobile: string;
}

describe('GDPR: consent records, export and erasure', () => {
  let t: TestApp;
  let tenant: { id: string; slug: string };
  let boss: FixtureUser;
  let bossTokens: Tokens;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t, 'gdpr', NO_ADMIN_MFA);
    boss = await createUser(t, { tenant: tenant.slug, userType: 'tenant_admin' });
    bossTokens = await login(t, boss.username, boss.password, tenant.slug);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, body?: unknown) =>
    t.request({ method, url: `/api/v2${url}`, token, body });

  /** A customer with names and phone numbers found nowhere else, so that a scan for them cannot mislead. */
  async function person(): Promise<Person> {
    const user = await createUser(t, { tenant: tenant.slug });
    const tag = randomBytes(3).toString('hex');
    const p: Person = {
      ...user,
      firstName: `Quentinella${tag}`,
      lastName: `Vandermolen${tag}`,
      phone: `+49151${Math.floor(1e7 + Math.random() * 9e7)}`,
      mobile: `+44770${Math.floor(1e6 + Math.random() * 9e6)}`,
    };
    await t.db.query(`UPDATE users_v2 SET first_name = $2, last_name = $3 WHERE id = $1`, [
      p.id,
      p.firstName,
      p.lastName,
    ]);
    return p;
  }

  /** Secret values written for the user; none may ever appear in an export. */
  interface Secrets {
    values: string[];
  }

  /** A row in every table that holds something about the user (the sessions come from real logins). */
  async function populate(p: Person): Promise<Secrets> {
    const cipher = t.app.get(FieldCipher);
    const q = (sql: string, params: unknown[]) => t.db.query(sql, params);
    const secrets: string[] = ['JBSWY3DPEHPK3PXP'];
    const secret = (s: string) => {
      secrets.push(s);
      return s;
    };
    await q(
      `INSERT INTO user_profiles_v2 (user_id, tenant_id, display_name, bio, job_title, timezone, locale)
       VALUES ($1, $2, $3, $4, 'Engineer', 'Europe/Berlin', 'de-DE')`,
      [p.id, p.tenantId, `${p.firstName} ${p.lastName}`, `Call ${p.firstName} on ${p.phone}`],
    );
    await q(
      `INSERT INTO user_contact_info_v2 (user_id, tenant_id, phone_enc, mobile_phone_enc, address_line1_enc, city_enc,
         country_enc, date_of_birth_enc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        p.id,
        p.tenantId,
        secret(cipher.encrypt(p.phone)),
        secret(cipher.encrypt(p.mobile)),
        secret(cipher.encrypt('Hauptstrasse 1')),
        secret(cipher.encrypt('Berlin')),
        secret(cipher.encrypt('DE')),
        secret(cipher.encrypt('1990-04-01')),
      ],
    );
    await q(
      `INSERT INTO user_preferences_v2 (user_id, tenant_id, language, theme, notify_sms, settings)
       VALUES ($1, $2, 'de', 'dark', true, $3)`,
      [p.id, p.tenantId, JSON.stringify({ greeting: `Hi ${p.firstName}` })],
    );
    await q(`INSERT INTO password_history_v2 (tenant_id, user_id, password_hash) VALUES ($1, $2, $3)`, [
      p.tenantId,
      p.id,
      secret('$2b$04$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZa'),
    ]);
    await q(
      `INSERT INTO trusted_devices (tenant_id, user_id, token_hash, device_id, device, ip_address, expires_at)
       VALUES ($1, $2, $3, 'dev-1', '{"browser":"Firefox","os":"Linux","type":"desktop"}', '10.1.2.3', now() + interval '30 days')`,
      [p.tenantId, p.id, secret(sha256(randomBytes(16).toString('hex')))],
    );
    await q(
      `INSERT INTO user_consents (tenant_id, user_id, document, version, ip_address, accepted_at)
       VALUES ($1, $2, 'terms', '1', '10.1.2.3', now() - interval '1 day'),
              ($1, $2, 'privacy', '1', '10.1.2.3', now() - interval '1 day')`,
      [p.tenantId, p.id],
    );
    await q(
      `INSERT INTO user_mfa_v2 (tenant_id, user_id, method, secret_enc, destination_enc, enabled, enabled_at)
       VALUES ($1, $2, 'totp', $3, NULL, true, now()), ($1, $2, 'sms', NULL, $4, true, now())`,
      [p.tenantId, p.id, secret(cipher.encrypt('JBSWY3DPEHPK3PXP')), secret(cipher.encrypt(p.phone))],
    );
    await q(`INSERT INTO mfa_backup_codes (tenant_id, user_id, code_hash) VALUES ($1, $2, $3)`, [
      p.tenantId,
      p.id,
      secret(sha256(randomBytes(8).toString('hex'))),
    ]);
    await q(
      `INSERT INTO user_api_keys_v2 (tenant_id, user_id, name, prefix, key_hash, scopes)
       VALUES ($1, $2, 'ci key', 'dmk_ab12', $3, '{users:read}')`,
      [p.tenantId, p.id, secret(sha256(randomBytes(16).toString('hex')))],
    );
    await q(
      `INSERT INTO invitations (tenant_id, email, user_type, roles, token_hash, invited_by, expires_at)
       VALUES ($1, 'friend@example.test', 'customer', '{}', $2, $3, now() + interval '7 days')`,
      [p.tenantId, secret(sha256(randomBytes(16).toString('hex'))), p.id],
    );
    await q(
      `INSERT INTO invitations (tenant_id, email, user_type, roles, token_hash, invited_by, user_id, expires_at, accepted_at)
       VALUES ($1, $2, 'customer', '{}', $3, $4, $5, now() + interval '7 days', now())`,
      [p.tenantId, p.email, secret(sha256(randomBytes(16).toString('hex'))), boss.id, p.id],
    );
    await q(
      `INSERT INTO one_time_tokens (tenant_id, user_id, purpose, token_hash, metadata, expires_at)
       VALUES ($1, $2, 'mfa_code', $3, $4, now() + interval '10 minutes')`,
      [p.tenantId, p.id, secret(sha256(randomBytes(8).toString('hex'))), JSON.stringify({ destination: p.phone })],
    );
    const [role] = await q(`INSERT INTO roles (tenant_id, name) VALUES ($1, $2) RETURNING id`, [
      p.tenantId,
      `helpdesk-${randomBytes(3).toString('hex')}`,
    ]);
    await q(`INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)`, [p.tenantId, p.id, role.id]);
    // A stored reply to a retried request that created the user repeats their data.
    await q(
      `INSERT INTO idempotency_keys (tenant_id, actor_id, key, request_hash, status_code, response)
       VALUES ($1, $2, $3, 'h', 201, $4)`,
      [p.tenantId, boss.id, `create-${p.id}`, JSON.stringify({ id: p.id, username: p.username, email: p.email })],
    );
    const [pw] = await q(`SELECT password_hash FROM user_passwords_v2 WHERE user_id = $1`, [p.id]);
    secrets.push(pw.password_hash);
    for (const s of await q(
      `SELECT refresh_token_hash, previous_refresh_token_hash FROM user_sessions_v2 WHERE user_id = $1`,
      [p.id],
    )) {
      secrets.push(s.refresh_token_hash);
      if (s.previous_refresh_token_hash) secrets.push(s.previous_refresh_token_hash);
    }
    // Sealed, so that the chain hashes exist to be looked for.
    await t.app.get(AuditSealer).sealTenant(p.tenantId);
    for (const a of await q(`SELECT hash, prev_hash, pii_digest FROM audit_log WHERE tenant_id = $1`, [p.tenantId])) {
      secrets.push(a.hash, a.pii_digest);
    }
    return { values: secrets };
  }

  /**
   * Every text, character, json, jsonb and text-array column of every table, searched for each string
   * (case-insensitive): the tables are read from information_schema, so a table added later is covered.
   */
  async function findAnywhere(needles: string[]): Promise<string[]> {
    const columns: { table_name: string; column_name: string }[] = await t.db.query(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE c.table_schema = 'public' AND tb.table_type = 'BASE TABLE'
          AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
               OR c.udt_name IN ('_text', '_varchar'))`,
    );
    expect(columns.length).toBeGreaterThan(40);
    const hits: string[] = [];
    for (const { table_name, column_name } of columns) {
      const found: { needle: string }[] = await t.db.query(
        `SELECT n AS needle FROM unnest($1::text[]) n
          WHERE EXISTS (SELECT 1 FROM "${table_name}" WHERE strpos(lower("${column_name}"::text), lower(n)) > 0)`,
        [needles],
      );
      for (const { needle } of found) hits.push(`${table_name}.${column_name}: ${needle}`);
    }
    return hits;
  }

  describe('consent', () => {
    let p: Person;
    let tokens: Tokens;
    beforeAll(async () => {
      p = await person();
      tokens = await login(t, p.username, p.password, tenant.slug);
    });

    const raiseVersions = async (versions: { terms: string; privacy: string }) => {
      await t.db.query(`UPDATE tenants SET settings = settings || $2::jsonb WHERE id = $1`, [
        tenant.id,
        JSON.stringify({ consentVersions: versions }),
      ]);
      t.app.get(TenantResolver).invalidate(tenant);
    };

    it('lists what the user accepted, and asks for consent until the current versions are accepted', async () => {
      const none = await call('GET', '/users/me/consents', tokens.accessToken);
      expect(none.status).toBe(200);
      expect(none.body).toEqual({
        consents: [],
        currentVersions: { terms: '1', privacy: '1' },
        consentRequired: true,
        outstanding: ['terms', 'privacy'],
      });
      expect(await t.app.get(ConsentService).consentRequired(tenant.id, p.id)).toBe(true);

      // As registration records them.
      await t.db.query(
        `INSERT INTO user_consents (tenant_id, user_id, document, version, ip_address, accepted_at)
         VALUES ($1, $2, 'terms', '1', '192.0.2.7', '2025-01-02T03:04:05Z'), ($1, $2, 'privacy', '1', '192.0.2.7', '2025-01-02T03:04:05Z')`,
        [tenant.id, p.id],
      );
      const accepted = await call('GET', '/users/me/consents', tokens.accessToken);
      expect(accepted.body).toEqual({
        consents: [
          {
            document: expect.any(String),
            version: '1',
            acceptedAt: '2025-01-02T03:04:05.000Z',
            ipAddress: '192.0.2.7',
          },
          {
            document: expect.any(String),
            version: '1',
            acceptedAt: '2025-01-02T03:04:05.000Z',
            ipAddress: '192.0.2.7',
          },
        ],
        currentVersions: { terms: '1', privacy: '1' },
        consentRequired: false,
        outstanding: [],
      });
      expect(accepted.body.consents.map((c: any) => c.document).sort()).toEqual(['privacy', 'terms']);
      expect(await t.app.get(ConsentService).consentRequired(tenant.id, p.id)).toBe(false);
    });

    it('asks again when the tenant raises a version, and accepts only the current one', async () => {
      await raiseVersions({ terms: '2', privacy: '1' });
      const raised = await call('GET', '/users/me/consents', tokens.accessToken);
      expect(raised.body).toMatchObject({
        currentVersions: { terms: '2', privacy: '1' },
        consentRequired: true,
        outstanding: ['terms'],
      });
      expect(await t.app.get(ConsentService).consentRequired(tenant.id, p.id)).toBe(true);

      const old = await call('POST', '/users/me/consents', tokens.accessToken, { document: 'terms', version: '1' });
      expect(old.status).toBe(422);
      expect(old.body.message).toContain('"2"');
      const future = await call('POST', '/users/me/consents', tokens.accessToken, { document: 'terms', version: '3' });
      expect(future.status).toBe(422);

      const ok = await call('POST', '/users/me/consents', tokens.accessToken, { document: 'terms', version: '2' });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ consentRequired: false, outstanding: [] });
      expect(ok.body.consents[0]).toEqual({
        document: 'terms',
        version: '2',
        acceptedAt: expect.any(String),
        ipAddress: '127.0.0.1',
      });
      expect(await t.app.get(ConsentService).consentRequired(tenant.id, p.id)).toBe(false);

      // Accepting it again records nothing new.
      const again = await call('POST', '/users/me/consents', tokens.accessToken, { document: 'terms', version: '2' });
      expect(again.status).toBe(200);
      const rows = await t.db.query(`SELECT version FROM user_consents WHERE user_id = $1 AND document = 'terms'`, [
        p.id,
      ]);
      expect(rows.map((r: any) => r.version).sort()).toEqual(['1', '2']);
      const entries = await t.db.query(
        `SELECT actor_id, target_id, metadata FROM audit_log WHERE action = 'consent.accepted' AND target_id = $1`,
        [p.id],
      );
      expect(entries).toEqual([{ actor_id: p.id, target_id: p.id, metadata: { document: 'terms', version: '2' } }]);
      await raiseVersions({ terms: '1', privacy: '1' });
    });

    it('refuses malformed acceptances with 400', async () => {
      for (const body of [
        { document: 'cookies', version: '1' },
        { document: 'terms' },
        { document: 'terms', version: '' },
        { document: 'terms', version: 2 },
        { document: 'terms', version: '1', acceptedAt: '2020-01-01' },
      ]) {
        const res = await call('POST', '/users/me/consents', tokens.accessToken, body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
      expect((await call('GET', '/users/me/consents')).status).toBe(401);
    });
  });

  describe('export', () => {
    let p: Person;
    let tokens: Tokens;
    let secrets: Secrets;
    let doc: any;
    beforeAll(async () => {
      p = await person();
      tokens = await login(t, p.username, p.password, tenant.slug);
      await login(t, p.username, p.password, tenant.slug);
      secrets = await populate(p);
      const res = await call('GET', '/users/me/export', tokens.accessToken);
      expect(res.status).toBe(200);
      doc = res.body;
    });

    it('holds every record about the user', () => {
      expect(doc.exportedAt).toEqual(expect.any(String));
      expect(doc.account).toMatchObject({
        id: p.id,
        tenantId: tenant.id,
        username: p.username,
        email: p.email,
        firstName: p.firstName,
        lastName: p.lastName,
        userType: 'customer',
        status: 'active',
        emailVerified: true,
        lastLoginIp: '127.0.0.1',
        passwordChangedAt: expect.any(String),
        erasedAt: null,
      });
      expect(doc.roles).toEqual([{ name: expect.stringMatching(/^helpdesk-/), grantedAt: expect.any(String) }]);
      expect(doc.profile).toMatchObject({
        displayName: `${p.firstName} ${p.lastName}`,
        jobTitle: 'Engineer',
        locale: 'de-DE',
      });
      expect(doc.contactInfo).toMatchObject({
        phone: p.phone,
        mobilePhone: p.mobile,
        addressLine1: 'Hauptstrasse 1',
        addressLine2: null,
        city: 'Berlin',
        country: 'DE',
        dateOfBirth: '1990-04-01',
      });
      expect(doc.preferences).toMatchObject({
        language: 'de',
        theme: 'dark',
        notifications: { email: true, sms: true },
        settings: { greeting: `Hi ${p.firstName}` },
      });
      expect(doc.sessions).toHaveLength(2);
      expect(doc.sessions[0]).toMatchObject({
        id: expect.any(String),
        ipAddress: '127.0.0.1',
        userAgent: 'lightMyRequest',
        revokedAt: null,
      });
      expect(doc.trustedDevices).toEqual([
        expect.objectContaining({
          deviceId: 'dev-1',
          ipAddress: '10.1.2.3',
          device: { browser: 'Firefox', os: 'Linux', type: 'desktop' },
        }),
      ]);
      expect(doc.consents).toHaveLength(2);
      expect(doc.mfaMethods).toEqual([
        { method: 'sms', enabled: true, createdAt: expect.any(String), enabledAt: expect.any(String) },
        { method: 'totp', enabled: true, createdAt: expect.any(String), enabledAt: expect.any(String) },
      ]);
      expect(doc.apiKeys).toEqual([
        {
          id: expect.any(String),
          name: 'ci key',
          prefix: 'dmk_ab12',
          scopes: ['users:read'],
          expiresAt: null,
          lastUsedAt: null,
          revokedAt: null,
          revokedReason: null,
          createdAt: expect.any(String),
        },
      ]);
      expect(doc.invitationsSent).toEqual([expect.objectContaining({ email: 'friend@example.test', invitedBy: p.id })]);
      expect(doc.invitationsReceived).toEqual([expect.objectContaining({ email: p.email, invitedBy: boss.id })]);
      expect(doc.auditEntries.map((e: any) => e.action)).toEqual([
        'auth.login.success',
        'auth.login.success',
        'gdpr.exported',
      ]);
      expect(doc.auditEntries[2]).toMatchObject({ actorId: p.id, targetId: p.id, ipAddress: '127.0.0.1' });
    });

    it('holds no secret, token, hash or ciphertext', () => {
      const text = JSON.stringify(doc);
      expect(secrets.values.length).toBeGreaterThan(20);
      for (const value of secrets.values) expect(text).not.toContain(value);
      expect(text).not.toContain(tokens.refreshToken);
      expect(text).not.toContain(tokens.accessToken);
      expect(text).not.toMatch(/\$2[aby]\$/); // bcrypt
      expect(text).not.toMatch(/[0-9a-f]{64}/i); // sha-256 hex
      expect(text).not.toMatch(/v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./); // field ciphertext
      expect(text).not.toMatch(/"(password|passwordHash|secret|tokenHash|keyHash|codeHash|hash|prevHash|piiDigest)"/i);
    });

    it('lets an administrator with gdpr:manage export a user of the tenant, and no one else', async () => {
      const res = await call('GET', `/users/${p.id}/export`, bossTokens.accessToken);
      expect(res.status).toBe(200);
      expect(res.body.account).toMatchObject({ id: p.id, email: p.email });
      expect(res.body.auditEntries.at(-1)).toMatchObject({ action: 'gdpr.exported', actorId: boss.id, targetId: p.id });

      expect((await call('GET', `/users/${boss.id}/export`, tokens.accessToken)).status).toBe(403);
      expect((await call('GET', `/users/${p.id}/export`)).status).toBe(401);
      expect((await call('GET', '/users/not-a-uuid/export', bossTokens.accessToken)).status).toBe(400);
      expect(
        (await call('GET', '/users/7d0c1a52-0000-4000-8000-000000000000/export', bossTokens.accessToken)).status,
      ).toBe(404);
      const [admin] = await t.db.query(`SELECT id FROM users_v2 WHERE username = 'admin'`);
      expect((await call('GET', `/users/${admin.id}/export`, bossTokens.accessToken)).status).toBe(404);
    });
  });

  describe('erasure', () => {
    const needlesOf = (p: Person) => [p.username, p.email, p.firstName, p.lastName, p.phone, p.mobile];
    const verify = async () => (await call('GET', '/audit/verify', bossTokens.accessToken)).body;

    it('DELETE /users/me: confirms the password, anonymizes everything, keeps the audit trail verifiable', async () => {
      const p = await person();
      const tokens = await login(t, p.username, p.password, tenant.slug);
      await populate(p);
      expect(await findAnywhere(needlesOf(p))).toEqual(
        expect.arrayContaining([
          `users_v2.username: ${p.username}`,
          `users_v2.email: ${p.email}`,
          `users_v2.first_name: ${p.firstName}`,
          `user_profiles_v2.bio: ${p.phone}`,
          `one_time_tokens.metadata: ${p.phone}`,
          `invitations.email: ${p.email}`,
          `idempotency_keys.response: ${p.email}`,
        ]),
      );
      const entriesBefore = await t.db.query(
        `SELECT id FROM audit_log WHERE actor_id = $1 OR target_id = $1 ORDER BY created_at`,
        [p.id],
      );

      const wrong = await call('DELETE', '/users/me', tokens.accessToken, { password: 'Not-the-password-1!' });
      expect(wrong.status).toBe(403);
      expect((await call('GET', '/users/me', tokens.accessToken)).status).toBe(200);
      expect((await call('DELETE', '/users/me', tokens.accessToken, {})).status).toBe(400);

      const res = await call('DELETE', '/users/me', tokens.accessToken, { password: p.password });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');

      expect((await call('GET', '/users/me', tokens.accessToken)).status).toBe(401);
      for (const username of [p.username, p.email]) {
        const again = await t.request({
          method: 'POST',
          url: '/api/v2/auth/login',
          body: { username, password: p.password },
          headers: { 'x-tenant-id': tenant.slug },
        });
        expect(again.status).toBe(401);
      }
      expect(await findAnywhere(needlesOf(p))).toEqual([]);

      const [account] = await t.db.query(
        `SELECT username, email, first_name, last_name, status, deleted_at, erased_at, last_login_ip FROM users_v2 WHERE id = $1`,
        [p.id],
      );
      expect(account).toEqual({
        username: `erased-${p.id.replace(/-/g, '').slice(0, 12)}`,
        email: `erased-${p.id}@invalid`,
        first_name: '',
        last_name: '',
        status: 'deleted',
        deleted_at: expect.any(Date),
        erased_at: expect.any(Date),
        last_login_ip: null,
      });
      const count = async (table: string) =>
        (await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [p.id]))[0].n;
      for (const table of [
        'user_profiles_v2',
        'user_contact_info_v2',
        'user_preferences_v2',
        'user_passwords_v2',
        'password_history_v2',
        'user_mfa_v2',
        'mfa_backup_codes',
        'one_time_tokens',
      ]) {
        expect({ table, rows: await count(table) }).toEqual({ table, rows: 0 });
      }
      expect(
        await t.db.query(`SELECT version, ip_address FROM user_consents WHERE user_id = $1 ORDER BY document`, [p.id]),
      ).toEqual([
        { version: '1', ip_address: null },
        { version: '1', ip_address: null },
      ]);
      const live = async (table: string) =>
        (
          await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1 AND revoked_at IS NULL`, [p.id])
        )[0].n;
      expect(await live('user_sessions_v2')).toBe(0);
      expect(await live('trusted_devices')).toBe(0);
      expect(await live('user_api_keys_v2')).toBe(0);
      const [ip] = await t.db.query(
        `SELECT count(*)::int AS n FROM user_sessions_v2 WHERE user_id = $1 AND (ip_address IS NOT NULL OR location IS NOT NULL)`,
        [p.id],
      );
      expect(ip.n).toBe(0);

      // The trail keeps every entry about the user, with ip, user agent and request id blanked.
      const entries = await t.db.query(
        `SELECT id, action, actor_id, ip_address, user_agent, request_id FROM audit_log
          WHERE actor_id = $1 OR target_id = $1 ORDER BY created_at`,
        [p.id],
      );
      expect(entries.map((e: any) => e.id).slice(0, entriesBefore.length)).toEqual(entriesBefore.map((e: any) => e.id));
      expect(entries.map((e: any) => e.action).slice(-2)).toEqual(['gdpr.erasure.refused', 'gdpr.erased']);
      expect(entries.at(-1).actor_id).toBe(p.id);
      for (const e of entries) expect([e.ip_address, e.user_agent, e.request_id]).toEqual([null, null, null]);
      expect(await verify()).toEqual({ intact: true, checked: expect.any(Number) });

      // What is left is exportable, and it is anonymous.
      const after = await call('GET', `/users/${p.id}/export`, bossTokens.accessToken);
      expect(after.status).toBe(200);
      expect(after.body.account).toMatchObject({ status: 'deleted', firstName: '', erasedAt: expect.any(String) });
      expect(after.body).toMatchObject({ profile: null, contactInfo: null, preferences: null, mfaMethods: [] });
    });

    it('POST /users/{id}/erase: revokes the user’s sessions at once, and a second erasure is a no-op', async () => {
      const p = await person();
      const tokens = await login(t, p.username, p.password, tenant.slug);
      await populate(p);

      const first = await call('POST', `/users/${p.id}/erase`, bossTokens.accessToken);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ id: p.id, status: 'deleted', erasedAt: expect.any(String) });
      expect((await call('GET', '/users/me', tokens.accessToken)).status).toBe(401);
      expect(await findAnywhere(needlesOf(p))).toEqual([]);

      const [{ n: entriesAfterFirst }] = await t.db.query(`SELECT count(*)::int AS n FROM audit_log`);
      const [erased] = await t.db.query(`SELECT * FROM users_v2 WHERE id = $1`, [p.id]);
      const second = await call('POST', `/users/${p.id}/erase`, bossTokens.accessToken);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      const [{ n: entriesAfterSecond }] = await t.db.query(`SELECT count(*)::int AS n FROM audit_log`);
      expect(entriesAfterSecond).toBe(entriesAfterFirst);
      expect((await t.db.query(`SELECT * FROM users_v2 WHERE id = $1`, [p.id]))[0]).toEqual(erased);

      // The administrator's own request stays on the record of the erasure; the user's requests do not.
      const [entry] = await t.db.query(
        `SELECT actor_id, target_id, ip_address, request_id, metadata FROM audit_log WHERE action = 'gdpr.erased' AND target_id = $1`,
        [p.id],
      );
      expect(entry).toEqual({
        actor_id: boss.id,
        target_id: p.id,
        ip_address: '127.0.0.1',
        request_id: expect.any(String),
        metadata: { self: false },
      });
      expect(await verify()).toEqual({ intact: true, checked: expect.any(Number) });
    });

    it('answers 404 for another tenant’s user, 403 without gdpr:manage, 400 for a non-UUID', async () => {
      const other = await createTenant(t, 'gdpr-other', NO_ADMIN_MFA);
      const stranger = await createUser(t, { tenant: other.slug });
      expect((await call('POST', `/users/${stranger.id}/erase`, bossTokens.accessToken)).status).toBe(404);
      expect((await t.db.query(`SELECT erased_at FROM users_v2 WHERE id = $1`, [stranger.id]))[0].erased_at).toBeNull();

      const customer = await createUser(t, { tenant: tenant.slug });
      const customerTokens = await login(t, customer.username, customer.password, tenant.slug);
      expect((await call('POST', `/users/${boss.id}/erase`, customerTokens.accessToken)).status).toBe(403);
      expect((await call('POST', '/users/42/erase', bossTokens.accessToken)).status).toBe(400);
      expect((await call('POST', `/users/${boss.id}/erase`)).status).toBe(401);
    });

    it('protects platform administrators and the last super admin', async () => {
      const [admin] = await t.db.query(`SELECT id FROM users_v2 WHERE username = 'admin'`);
      const defaultTenant = await tenantId(t);
      await t.db.query(`UPDATE tenants SET settings = $2 WHERE id = $1`, [defaultTenant, JSON.stringify(NO_ADMIN_MFA)]);
      t.app.get(TenantResolver).invalidate({ id: defaultTenant, slug: 'default' });
      const tenantAdmin = await createUser(t, { userType: 'tenant_admin' });
      const tenantAdminTokens = await login(t, tenantAdmin.username, tenantAdmin.password);
      expect((await call('POST', `/users/${admin.id}/erase`, tenantAdminTokens.accessToken)).status).toBe(403);

      const superTokens = await login(t, 'admin', ADMIN_PASSWORD);
      const last = await call('POST', `/users/${admin.id}/erase`, superTokens.accessToken);
      expect(last.status).toBe(422);
      const self = await call('DELETE', '/users/me', superTokens.accessToken, { password: ADMIN_PASSWORD });
      expect(self.status).toBe(422);
      expect((await call('GET', '/users/me', superTokens.accessToken)).status).toBe(200);
    });

    it('keeps the chain verifiable after a retention purge that removes the erased users’ entries', async () => {
      const [{ at }] = await t.db.query(
        `SELECT date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' AS at FROM pg_sleep(0.002)`,
      );
      await t.db.query(`SELECT pg_sleep(0.002)`);
      await login(t, boss.username, boss.password, tenant.slug);
      const done = await t.app.get(AuditRetentionService).purgeExpired(new Date(at.getTime() + 365 * 86_400_000));
      expect(done.find((d) => d.tenantId === tenant.id)?.purged).toBeGreaterThan(0);
      expect(await verify()).toEqual({ intact: true, checked: 2 });
    });
  });
});
