import { createUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

describe('GET /users/me is cached but never stale after a change', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ REQUIRE_MFA_FOR_ADMIN: 'false' });
  });
  afterAll(() => t.close());

  it('shows an administrator’s change to the account on the user’s very next request', async () => {
    const user = await createUser(t);
    const own = await login(t, user.username, user.password);
    const admin = await login(t, 'admin', ADMIN_PASSWORD);
    const before = await t.request({ method: 'GET', url: '/api/v2/users/me', token: own.accessToken });
    expect(before.body.firstName).toBe('Test');

    const put = await t.request({
      method: 'PUT',
      url: `/api/v2/users/${user.id}`,
      token: admin.accessToken,
      body: { firstName: 'Renamed' },
    });
    expect(put.status).toBe(200);
    const after = await t.request({ method: 'GET', url: '/api/v2/users/me', token: own.accessToken });
    expect(after.body.firstName).toBe('Renamed');
  });

  it('shows the user’s own profile change at once', async () => {
    const user = await createUser(t);
    const own = await login(t, user.username, user.password);
    await t.request({ method: 'GET', url: '/api/v2/users/me', token: own.accessToken });
    await t.request({
      method: 'PUT',
      url: '/api/v2/users/me',
      token: own.accessToken,
      body: { profile: { jobTitle: 'Engineer' } },
    });
    const after = await t.request({ method: 'GET', url: '/api/v2/users/me', token: own.accessToken });
    expect(after.body.profile.jobTitle).toBe('Engineer');
  });
});
