import { randomBytes } from 'node:crypto';
import { BackgroundWork } from '../../src/auth/background-work';
import { RESET_EMAILS_PER_HOUR } from '../../src/auth/password-flows.service';
import { createUser } from '../support/fixtures';
import { messagesTo } from '../support/outbox';
import { TestApp, TestResponse, login, startTestApp } from '../support/test-app';
import { apiRoutes, key, validBody } from './support';

const LIMIT = 3;

/**
 * OWASP ASVS 5.0 V2.4.1 (anti-automation) and V6.3.1 (brute force, credential stuffing): every
 * unauthenticated route is limited per client ip, and where an account is named, per account too.
 * TRUST_PROXY is on so that each test is its own client (an address of the 2001:db8::/32 documentation
 * range, new in every run, so that counts kept in a shared Redis never collide).
 */
describe('Security: abuse limits (ASVS V2.4.1, V6.3.1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_LOGIN_PER_MINUTE: String(LIMIT),
      RATE_LIMIT_PUBLIC_PER_MINUTE: String(LIMIT),
      TRUST_PROXY: 'true',
    });
  });
  afterAll(() => t.close());

  const newIp = () => `2001:db8:${randomBytes(2).toString('hex')}::${randomBytes(2).toString('hex')}`;
  const from = (ip: string, method: 'POST', url: string, body: unknown) =>
    t.request({ method, url, body, headers: { 'x-forwarded-for': ip } });
  const minute = () => Math.floor(Date.now() / 60_000);

  /** Sends `count` requests from one new ip within one fixed window (again from another ip if a minute ended). */
  const burst = async (count: number, send: (ip: string, i: number) => Promise<TestResponse>) => {
    for (;;) {
      const ip = newIp();
      const started = minute();
      const answers: TestResponse[] = [];
      for (let i = 0; i < count; i++) answers.push(await send(ip, i));
      if (minute() === started) return { ip, answers };
    }
  };

  const publicRoutes = apiRoutes.filter((r) => r.access === 'public');

  it('the unauthenticated API routes are the ones the contract limits', () => {
    expect(publicRoutes.map(key).sort()).toEqual(
      [
        'POST /api/v2/auth/invitations/accept',
        'POST /api/v2/auth/login',
        'POST /api/v2/auth/mfa/challenge',
        'POST /api/v2/auth/mfa/send',
        'POST /api/v2/auth/password/forgot',
        'POST /api/v2/auth/password/reset',
        'POST /api/v2/auth/refresh',
        'POST /api/v2/auth/register',
        'POST /api/v2/auth/verify-email',
      ].sort(),
    );
  });

  it.each(publicRoutes.map((r) => [key(r), r] as const))(
    'V2.4.1 %s: the request after the per-ip limit is 429 with Retry-After; another ip is not limited',
    async (_name, route) => {
      const { answers } = await burst(LIMIT + 1, (ip) =>
        from(ip, 'POST', route.path, validBody(route, { userId: '00000000-0000-0000-0000-000000000000' })),
      );
      expect(answers.slice(0, LIMIT).map((r) => r.status)).not.toContain(429);
      const limited = answers[LIMIT];
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const elsewhere = await from(
        newIp(),
        'POST',
        route.path,
        validBody(route, { userId: '00000000-0000-0000-0000-000000000000' }),
      );
      expect(elsewhere.status).not.toBe(429);
    },
  );

  it('V6.3.1 credential stuffing: one ip trying many accounts is cut off, even with a right password; other ips are not', async () => {
    const victim = await createUser(t);
    const { answers } = await burst(LIMIT + 1, (ip, i) =>
      i < LIMIT
        ? from(ip, 'POST', '/api/v2/auth/login', { username: `victim${i}`, password: 'Guessed-Password-1!' })
        : from(ip, 'POST', '/api/v2/auth/login', { username: victim.username, password: victim.password }),
    );
    expect(answers.map((r) => r.status)).toEqual([...Array(LIMIT).fill(401), 429]);
    expect(
      (await from(newIp(), 'POST', '/api/v2/auth/login', { username: victim.username, password: victim.password }))
        .status,
    ).toBe(200);
  });

  it(`V2.4.1 forgot password: at most ${RESET_EMAILS_PER_HOUR} reset emails per account and hour, whoever asks; every answer is still 202`, async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    for (let i = 0; i < RESET_EMAILS_PER_HOUR + 2; i++) {
      expect((await from(newIp(), 'POST', '/api/v2/auth/password/forgot', { email: user.email })).status).toBe(202);
    }
    expect((await from(newIp(), 'POST', '/api/v2/auth/password/forgot', { email: other.email })).status).toBe(202);
    await t.app.get(BackgroundWork).drain();
    expect(messagesTo(t, user.email, 'password_reset')).toHaveLength(RESET_EMAILS_PER_HOUR);
    expect(messagesTo(t, other.email, 'password_reset')).toHaveLength(1);
    const [row] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.password.reset_throttled' AND target_id = $1`,
      [user.id],
    );
    expect(row.n).toBe(2);
  });

  it('V6.6.3 MFA codes: another code within 30 s of the last is 429 with Retry-After', async () => {
    const user = await createUser(t);
    const session = await login(t, user.username, user.password);
    const setup = await t.request({
      method: 'POST',
      url: '/api/v2/auth/mfa/setup',
      token: session.accessToken,
      body: { method: 'email' },
    });
    expect(setup.status).toBe(200);
    const code = messagesTo(t, user.email, 'mfa_code').at(-1)!.code!;
    await t.request({
      method: 'POST',
      url: '/api/v2/auth/mfa/verify',
      token: session.accessToken,
      body: { method: 'email', code },
    });
    // The password step of a user with email MFA only sends a code at once; asking again right away is refused.
    const step = await from(newIp(), 'POST', '/api/v2/auth/login', {
      username: user.username,
      password: user.password,
    });
    expect(step.body).toMatchObject({ mfaRequired: true });
    const again = await from(newIp(), 'POST', '/api/v2/auth/mfa/send', {
      mfaToken: step.body.mfaToken,
      method: 'email',
    });
    expect(again.status).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(again.headers['retry-after'])).toBeLessThanOrEqual(30);
  });
});
