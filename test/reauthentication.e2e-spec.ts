import { createUser, type FixtureUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, type TestResponse, login, startTestApp } from './support/test-app';
import { enrolTotp } from './mfa.support';

/** Lower than the default, so that a lockout takes few requests; the login counts against the same number. */
const ATTEMPTS = 3;
const WRONG = 'Not-My-Password-1!';
const LOCKED = 'Too many wrong passwords: the account is locked for now; try again later';

/** A signed-in user about to re-authenticate, and the password that signs them in once it has succeeded. */
interface Subject {
  user: Pick<FixtureUser, 'id' | 'username' | 'password'>;
  token: string;
  passwordAfterSuccess: string;
}

/** A route that asks for the current password, as a client sees it. */
interface Route {
  name: string;
  /** The route's answer to a wrong password or a locked account: public API, different by route. */
  refusal: 400 | 403;
  /** How the route answers the right password in the "success" scenario. */
  success: number;
  /** What a refused attempt is audited as. */
  auditAction: string;
  subject(scenario: 'lockout' | 'success'): Promise<Subject>;
  confirm(token: string, password: string): Promise<TestResponse>;
}

describe('Re-authentication with the current password: password change, MFA changes, DELETE /users/me', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ACCOUNT_LOCKOUT_ATTEMPTS: String(ATTEMPTS) });
  });
  afterAll(() => t.close());

  const attemptLogin = (username: string, password: string) =>
    t.request({ method: 'POST', url: '/api/v2/auth/login', body: { username, password } });
  const me = (token: string) => t.request({ method: 'GET', url: '/api/v2/users/me', token });
  const audits = async (action: string, userId: string): Promise<unknown[]> =>
    (
      await t.db.query(`SELECT metadata FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY created_at`, [
        action,
        userId,
      ])
    ).map((r: { metadata: unknown }) => r.metadata);

  async function signedIn(): Promise<Subject> {
    const user = await createUser(t);
    const { accessToken } = await login(t, user.username, user.password);
    return { user, token: accessToken, passwordAfterSuccess: user.password };
  }

  const routes: Route[] = [
    {
      name: 'POST /auth/password/change',
      refusal: 400,
      success: 204,
      auditAction: 'auth.password.change_failed',
      subject: async () => ({ ...(await signedIn()), passwordAfterSuccess: 'Brand-New-Harbor-9' }),
      confirm: (token, password) =>
        t.request({
          method: 'POST',
          url: '/api/v2/auth/password/change',
          token,
          body: { currentPassword: password, newPassword: 'Brand-New-Harbor-9' },
        }),
    },
    {
      name: 'POST /auth/mfa/backup-codes',
      refusal: 403,
      success: 200,
      auditAction: 'auth.reauthentication.failure',
      subject: async () => {
        const s = await signedIn();
        await enrolTotp(t, s.token);
        return s;
      },
      confirm: (token, password) =>
        t.request({ method: 'POST', url: '/api/v2/auth/mfa/backup-codes', token, body: { password } }),
    },
    {
      name: 'DELETE /users/me',
      refusal: 403,
      // The right password erases the account; the bootstrap admin, the last super admin, is refused after it.
      success: 422,
      auditAction: 'gdpr.erasure.refused',
      subject: async (scenario) => {
        if (scenario === 'lockout') return signedIn();
        const { accessToken, user } = await login(t, 'admin', ADMIN_PASSWORD);
        return {
          user: { id: user.id, username: 'admin', password: ADMIN_PASSWORD },
          token: accessToken,
          passwordAfterSuccess: ADMIN_PASSWORD,
        };
      },
      confirm: (token, password) => t.request({ method: 'DELETE', url: '/api/v2/users/me', token, body: { password } }),
    },
  ];

  describe.each(routes)('$name', (route) => {
    it(`answers ${route.refusal} to wrong passwords, which lock the account like failed logins`, async () => {
      const { user, token } = await route.subject('lockout');
      for (let i = 0; i < ATTEMPTS; i++) {
        const wrong = await route.confirm(token, WRONG);
        expect([wrong.status, wrong.body.message]).toEqual([route.refusal, 'The password is not correct']);
      }
      expect((await attemptLogin(user.username, user.password)).status).toBe(401);
      const locked = await route.confirm(token, user.password);
      expect([locked.status, locked.body.message]).toEqual([route.refusal, LOCKED]);

      // Nothing was changed: the session still works, and the account is still there.
      expect((await me(token)).status).toBe(200);
      expect(await audits(route.auditAction, user.id)).toEqual([
        ...Array.from({ length: ATTEMPTS }, () => ({ reason: 'wrong_password' })),
        { reason: 'locked' },
      ]);
      expect(await audits('auth.lockout', user.id)).toEqual([{ attempts: ATTEMPTS, minutes: 30 }]);
    });

    it('ends the run of failures with the right password, as a successful login does', async () => {
      const { user, token, passwordAfterSuccess } = await route.subject('success');
      for (let i = 0; i < ATTEMPTS - 1; i++) expect((await route.confirm(token, WRONG)).status).toBe(route.refusal);
      expect((await route.confirm(token, user.password)).status).toBe(route.success);
      for (let i = 0; i < ATTEMPTS - 1; i++) {
        expect((await attemptLogin(user.username, WRONG)).status).toBe(401);
      }
      expect((await attemptLogin(user.username, passwordAfterSuccess)).status).toBe(200);
      expect(await audits(route.auditAction, user.id)).toHaveLength(ATTEMPTS - 1);
      expect(await audits('auth.lockout', user.id)).toEqual([]);
    });
  });
});
