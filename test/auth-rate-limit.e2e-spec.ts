import { createUser } from './support/fixtures';
import { TestApp, login, startTestApp } from './support/test-app';

const LOGIN = '/api/v2/auth/login';

describe('Rate limits per client ip and route (TRUST_PROXY on, so each test is its own client)', () => {
  let t: TestApp;
  let ipSeq = 0;
  let ip: string;
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_LOGIN_PER_MINUTE: '3',
      RATE_LIMIT_PUBLIC_PER_MINUTE: '2',
      TRUST_PROXY: 'true',
    });
  });
  beforeEach(() => {
    ipSeq += 1;
    ip = `198.51.100.${ipSeq}`;
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => t.close());

  const post = (url: string, body: object, from = ip) =>
    t.request({ method: 'POST', url, body, headers: { 'x-forwarded-for': from } });
  const wrongLogin = (from = ip) => post(LOGIN, { username: 'someone', password: 'Wrong-Password-1!' }, from);

  it('login: RATE_LIMIT_LOGIN_PER_MINUTE attempts, then 429 with Retry-After in the contract’s error body', async () => {
    for (let i = 0; i < 3; i++) expect((await wrongLogin()).status).toBe(401);
    const limited = await wrongLogin();
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/^Too many requests/),
      requestId: expect.any(String),
    });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('counts across accounts (credential stuffing), and holds even for a right password', async () => {
    const user = await createUser(t);
    for (let i = 0; i < 3; i++) await post(LOGIN, { username: `victim${i}`, password: 'Guess-Password-1!' });
    expect((await post(LOGIN, { username: user.username, password: user.password })).status).toBe(429);
  });

  it('counts per ip: another client is not affected', async () => {
    for (let i = 0; i < 4; i++) await wrongLogin();
    expect((await wrongLogin()).status).toBe(429);
    expect((await wrongLogin('203.0.113.77')).status).toBe(401);
  });

  it('counts per route: refresh has its own count in the login class', async () => {
    for (let i = 0; i < 4; i++) await wrongLogin();
    for (let i = 0; i < 3; i++)
      expect((await post('/api/v2/auth/refresh', { refreshToken: 'rt_nope' })).status).toBe(401);
    expect((await post('/api/v2/auth/refresh', { refreshToken: 'rt_nope' })).status).toBe(429);
  });

  it('the public class covers register, verify, forgot, reset and invitation accept', async () => {
    const routes: [string, object][] = [
      ['/api/v2/auth/register', { username: 'x' }],
      ['/api/v2/auth/verify-email', { token: 'nope' }],
      ['/api/v2/auth/password/forgot', { email: 'nobody@example.test' }],
      ['/api/v2/auth/password/reset', { token: 'nope', newPassword: 'Tulip-Harbor-42' }],
      ['/api/v2/auth/invitations/accept', { token: 'nope', username: 'someone', password: 'Tulip-Harbor-42' }],
    ];
    for (const [url, body] of routes) {
      for (let i = 0; i < 2; i++) expect((await post(url, body)).status).not.toBe(429);
      expect((await post(url, body)).status).toBe(429);
    }
  });

  it('uses fixed one-minute windows: a blocked client may try again when the minute is over', async () => {
    const minute = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
    jest.spyOn(Date, 'now').mockReturnValue(minute + 50_000);
    for (let i = 0; i < 3; i++) await wrongLogin();
    const limited = await wrongLogin();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('10');
    jest.spyOn(Date, 'now').mockReturnValue(minute + 59_999);
    expect((await wrongLogin()).status).toBe(429);
    jest.spyOn(Date, 'now').mockReturnValue(minute + 60_000);
    expect((await wrongLogin()).status).toBe(401);
  });

  it('leaves authenticated routes alone', async () => {
    const user = await createUser(t);
    const s = await login(t, user.username, user.password);
    for (let i = 0; i < 10; i++) {
      const res = await t.request({
        method: 'GET',
        url: '/api/v2/users/me',
        token: s.accessToken,
        headers: { 'x-forwarded-for': ip },
      });
      expect(res.status).toBe(200);
    }
  });
});

describe('Rate limits: settings', () => {
  it('without TRUST_PROXY, X-Forwarded-For does not make a new client; 0 turns a class off', async () => {
    const t = await startTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '1', RATE_LIMIT_PUBLIC_PER_MINUTE: '0' });
    try {
      const attempt = (from: string) =>
        t.request({
          method: 'POST',
          url: LOGIN,
          body: { username: 'someone', password: 'Wrong-Password-1!' },
          headers: { 'x-forwarded-for': from },
        });
      expect((await attempt('198.51.100.1')).status).toBe(401);
      expect((await attempt('198.51.100.2')).status).toBe(429);
      for (let i = 0; i < 20; i++) {
        const res = await t.request({ method: 'POST', url: '/api/v2/auth/verify-email', body: { token: 'nope' } });
        expect(res.status).toBe(400);
      }
    } finally {
      await t.close();
    }
  });
});
