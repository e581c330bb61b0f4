import { createUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  context?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
}

describe('Logs', () => {
  let t: TestApp;
  const written: string[] = [];
  const lines = (): LogLine[] =>
    written
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    // With process.stdout.write replaced before the app starts, pino writes through it (see mfa-logs).
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    t = await startTestApp({ LOG_LEVEL: 'info', REQUIRE_MFA_FOR_ADMIN: 'false' });
  });
  afterAll(async () => {
    await t.close();
    jest.restoreAllMocks();
  });

  it('writes one JSON line per answered request with its id, method, URL, status and time', async () => {
    const s = await login(t, 'admin', ADMIN_PASSWORD);
    await t.request({
      method: 'GET',
      url: '/api/v2/users/me',
      token: s.accessToken,
      headers: { 'x-request-id': 'log-me-1' },
    });
    await t.request({ method: 'GET', url: '/api/v2/nowhere', headers: { 'x-request-id': 'log-404-1' } });
    await t.request({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'log-health-1' } });

    const me = lines().find((l) => l.requestId === 'log-me-1' && l.msg === 'request completed');
    expect(me).toMatchObject({ level: 30, req: { method: 'GET', url: '/api/v2/users/me' }, res: { statusCode: 200 } });
    expect(me!.responseTime).toEqual(expect.any(Number));
    const missing = lines().find((l) => l.requestId === 'log-404-1');
    expect(missing).toMatchObject({ level: 40, res: { statusCode: 404 } });
    expect(lines().some((l) => l.requestId === 'log-health-1')).toBe(false);
    expect(written.join('')).not.toContain(s.accessToken);
  });

  it('every line written while a request is served carries that request id', async () => {
    const user = await createUser(t);
    await t.request({
      method: 'POST',
      url: '/api/v2/auth/password/forgot',
      body: { email: user.email },
      headers: { 'x-request-id': 'log-forgot-1' },
    });
    for (
      let i = 0;
      i < 50 && !lines().some((l) => l.msg === 'notification sent' && l.requestId === 'log-forgot-1');
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    expect(lines().find((l) => l.msg === 'notification sent' && l.requestId === 'log-forgot-1')).toMatchObject({
      level: 30,
      context: expect.any(String),
    });
  });
});
