import { createTenant, createUser, type FixtureUser } from './support/fixtures';
import { TestApp, login, startTestApp } from './support/test-app';
import { auditCount, enrolTotp, lastMessage, passwordLogin, post } from './mfa.support';

// Addresses of the GeoLite2 database shipped with the package, on three continents.
const LONDON_AREA = '81.2.69.142'; // GB, Bracknell
const USA = '8.8.8.8'; // US
const TOKYO = '133.242.0.1'; // JP
const FRANKFURT_AREA = '5.9.0.1'; // DE

const from = (ip: string, userAgent?: string) => ({
  'x-forwarded-for': ip,
  ...(userAgent ? { 'user-agent': userAgent } : {}),
});
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

describe('Geo login tracking and suspicious logins (TRUST_PROXY=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true' });
  });
  afterAll(() => t.close());

  async function sessionLocation(sessionId: string): Promise<unknown> {
    const [row] = await t.db.query(`SELECT location FROM user_sessions_v2 WHERE id = $1`, [sessionId]);
    return row.location;
  }

  it('records the location of the client ip on the session; private addresses give null', async () => {
    const user = await createUser(t);
    const gb = await passwordLogin(t, user, { headers: from(LONDON_AREA) });
    expect(await sessionLocation(gb.body.sessionId)).toEqual({
      country: 'GB',
      city: 'Bracknell',
      latitude: expect.any(Number),
      longitude: expect.any(Number),
    });
    const lan = await passwordLogin(t, user, { headers: from('10.1.2.3') });
    expect(await sessionLocation(lan.body.sessionId)).toBeNull();
    const garbage = await passwordLogin(t, user, { headers: from('not-an-ip') });
    expect(garbage.status).toBe(200);
    expect(await sessionLocation(garbage.body.sessionId)).toBeNull();
  });

  it('writes auth.login.new_device and tells the user about a new device or country, but not at the first login', async () => {
    const user = await createUser(t);
    await passwordLogin(t, user, { headers: from(FRANKFURT_AREA) });
    expect(await auditCount(t, 'auth.login.new_device', user.id)).toBe(0);
    await passwordLogin(t, user, { headers: from(FRANKFURT_AREA) });
    expect(await auditCount(t, 'auth.login.new_device', user.id)).toBe(0);

    await passwordLogin(t, user, { headers: from(FRANKFURT_AREA, CHROME_WINDOWS) });
    expect(await auditCount(t, 'auth.login.new_device', user.id)).toBe(1);
    const mail = lastMessage(t, user.email, 'new_device');
    expect(mail).toMatchObject({ channel: 'email', kind: 'new_device' });
    expect(mail!.text).toContain('Chrome 126 on Windows');

    await passwordLogin(t, user, { headers: from(LONDON_AREA, CHROME_WINDOWS) });
    expect(await auditCount(t, 'auth.login.new_device', user.id)).toBe(2);
  });

  it('calls two logins from far-apart ips within an hour suspicious', async () => {
    const user = await createUser(t);
    await passwordLogin(t, user, { headers: from(USA) });
    expect(await auditCount(t, 'auth.login.suspicious', user.id)).toBe(0);
    const second = await passwordLogin(t, user, { headers: from(TOKYO) });
    expect(second.status).toBe(200);
    expect(await auditCount(t, 'auth.login.suspicious', user.id)).toBe(1);
    const [entry] = await t.db.query(
      `SELECT metadata, success FROM audit_log WHERE action = 'auth.login.suspicious' AND target_id = $1`,
      [user.id],
    );
    expect(entry.success).toBe(false);
    expect(entry.metadata).toMatchObject({ reason: 'impossible_travel', distanceKm: expect.any(Number) });
    expect(entry.metadata.distanceKm).toBeGreaterThan(8000);
    expect(lastMessage(t, user.email, 'suspicious_login')).toBeDefined();
  });

  it('does not call a login from the same region suspicious', async () => {
    const user = await createUser(t);
    await passwordLogin(t, user, { headers: from(USA) });
    await passwordLogin(t, user, { headers: from(USA) });
    expect(await auditCount(t, 'auth.login.suspicious', user.id)).toBe(0);
  });

  describe('step-up', () => {
    async function trustedOn(user: FixtureUser, tenant: string): Promise<string> {
      const session = await login(t, user.username, user.password, tenant);
      const { backupCodes } = await enrolTotp(t, session.accessToken);
      const step = await passwordLogin(t, user, { tenant, headers: from(USA) });
      const done = await post(
        t,
        '/auth/mfa/challenge',
        { mfaToken: step.body.mfaToken, code: backupCodes[0], trustDevice: true },
        { headers: from(USA) },
      );
      return done.body.deviceToken;
    }

    it('requires MFA even on a trusted device when the tenant asks for step-up on suspicious logins', async () => {
      await createTenant(t, 'cautious', { stepUpOnSuspiciousLogin: true });
      const user = await createUser(t, { tenant: 'cautious' });
      const deviceToken = await trustedOn(user, 'cautious');
      const nearby = await passwordLogin(t, user, { tenant: 'cautious', deviceToken, headers: from(USA) });
      expect(nearby.body.accessToken).toEqual(expect.any(String));
      const far = await passwordLogin(t, user, { tenant: 'cautious', deviceToken, headers: from(TOKYO) });
      expect(far.body.mfaRequired).toBe(true);
    });

    it('lets the trusted device through a suspicious login when the tenant does not ask for step-up', async () => {
      const user = await createUser(t);
      const deviceToken = await trustedOn(user, 'default');
      const far = await passwordLogin(t, user, { deviceToken, headers: from(TOKYO) });
      expect(far.body.accessToken).toEqual(expect.any(String));
      expect(await auditCount(t, 'auth.login.suspicious', user.id)).toBe(1);
    });
  });
});
