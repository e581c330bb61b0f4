import { createUser, type FixtureUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';
import { auditCount, enrolTotp, findInDatabase, passwordLogin, post } from './mfa.support';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const FIREFOX_UPDATED = 'Mozilla/5.0 (X11; Linux x86_64; rv:129.0) Gecko/20100101 Firefox/129.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('Trusted devices', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** A user with TOTP who signed in on Firefox with trustDevice, using backup codes for the challenges. */
  async function trustedUser(): Promise<
    FixtureUser & { backupCodes: string[]; deviceToken: string; accessToken: string }
  > {
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
    expect(done.body.deviceToken).toEqual(expect.any(String));
    return { ...user, backupCodes, deviceToken: done.body.deviceToken, accessToken: done.body.accessToken };
  }

  it('skips MFA for a login that presents the device token from the same device', async () => {
    const user = await trustedUser();
    const res = await passwordLogin(t, user, {
      deviceToken: user.deviceToken,
      headers: { 'user-agent': FIREFOX_UPDATED },
    });
    expect(res.status).toBe(200);
    expect(res.body.mfaRequired).toBeUndefined();
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(await auditCount(t, 'auth.device.trusted', user.id)).toBe(1);
    const [entry] = await t.db.query(
      `SELECT metadata FROM audit_log WHERE action = 'auth.login.success' AND target_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [user.id],
    );
    expect(entry.metadata.secondFactor).toBe('trusted_device');
  });

  it('still asks for MFA without the token, from another device, or with a made-up token', async () => {
    const user = await trustedUser();
    expect((await passwordLogin(t, user, { headers: { 'user-agent': FIREFOX } })).body.mfaRequired).toBe(true);
    const otherDevice = await passwordLogin(t, user, {
      deviceToken: user.deviceToken,
      headers: { 'user-agent': IPHONE },
    });
    expect(otherDevice.body.mfaRequired).toBe(true);
    const forged = await passwordLogin(t, user, {
      deviceToken: `dt_${'A'.repeat(43)}`,
      headers: { 'user-agent': FIREFOX },
    });
    expect(forged.body.mfaRequired).toBe(true);
    // A device token of one user is nothing to another.
    const other = await trustedUser();
    const crossed = await passwordLogin(t, other, {
      deviceToken: user.deviceToken,
      headers: { 'user-agent': FIREFOX },
    });
    expect(crossed.body.mfaRequired).toBe(true);
  });

  it('lists the caller’s trusted devices and revokes one; a revoked device asks for MFA again', async () => {
    const user = await trustedUser();
    const list = await t.request({ method: 'GET', url: '/api/v2/devices', token: user.accessToken });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, page: 1, pageSize: 20 });
    const [device] = list.body.items;
    expect(device).toMatchObject({
      id: expect.any(String),
      device: { browser: 'Firefox 128', os: 'Linux', type: 'desktop' },
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const days = (Date.parse(device.expiresAt) - Date.parse(device.createdAt)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect(JSON.stringify(list.body)).not.toContain(user.deviceToken);

    const other = await trustedUser();
    const foreign = await t.request({
      method: 'DELETE',
      url: `/api/v2/devices/${device.id}`,
      token: other.accessToken,
    });
    expect(foreign.status).toBe(404);

    const revoke = await t.request({ method: 'DELETE', url: `/api/v2/devices/${device.id}`, token: user.accessToken });
    expect(revoke.status).toBe(204);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v2/devices/${device.id}`, token: user.accessToken })).status,
    ).toBe(404);
    expect((await t.request({ method: 'DELETE', url: '/api/v2/devices/nope', token: user.accessToken })).status).toBe(
      400,
    );
    const after = await passwordLogin(t, user, { deviceToken: user.deviceToken, headers: { 'user-agent': FIREFOX } });
    expect(after.body.mfaRequired).toBe(true);
    expect((await t.request({ method: 'GET', url: '/api/v2/devices', token: user.accessToken })).body.total).toBe(0);
    expect(await auditCount(t, 'auth.device.revoked', user.id)).toBe(1);
  });

  it('revokes every trusted device when an admin resets the user’s MFA', async () => {
    const user = await trustedUser();
    const admin = await login(t, 'admin', ADMIN_PASSWORD);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v2/users/${user.id}/mfa`, token: admin.accessToken })).status,
    ).toBe(204);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM trusted_devices WHERE user_id = $1 AND revoked_at IS NULL`,
      [user.id],
    );
    expect(n).toBe(0);
  });

  it('stores only a hash of the device token', async () => {
    const user = await trustedUser();
    expect(await findInDatabase(t, user.deviceToken)).toEqual([]);
  });

  it('needs a signed-in user', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v2/devices' })).status).toBe(401);
  });
});
