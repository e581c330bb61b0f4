import { API_CSP, DOCS_CSP } from '../src/common/http/security-headers';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

describe('Security headers and CORS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://console.example.com, https://admin.example.com' });
  });
  afterAll(() => t.close());

  it('every API answer carries helmet’s headers and a CSP that lets nothing load', async () => {
    const s = await login(t, 'admin', ADMIN_PASSWORD);
    for (const res of [
      await t.request({ method: 'GET', url: '/api/v2/users/me', token: s.accessToken }),
      await t.request({ method: 'GET', url: '/api/v2/users/me' }),
      await t.request({ method: 'GET', url: '/health/live' }),
    ]) {
      expect(res.headers).toMatchObject({
        'content-security-policy': API_CSP,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('Swagger UI gets a CSP that allows its own scripts and inline styles, and no inline script', async () => {
    const page = await t.request({ method: 'GET', url: '/docs' });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("script-src 'self';");
    // Every script of the page is a file of /docs, which script-src 'self' allows.
    expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
    const init = await t.request({ method: 'GET', url: '/docs/swagger-ui-init.js' });
    expect(init.status).toBe(200);
  });

  it('CORS: an origin of CORS_ORIGINS may call with credentials and read X-Request-ID; another may not', async () => {
    const preflight = await t.request({
      method: 'OPTIONS',
      url: '/api/v2/users/me',
      headers: {
        origin: 'https://console.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,x-tenant-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://console.example.com');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');

    const s = await login(t, 'admin', ADMIN_PASSWORD);
    const allowed = await t.request({
      method: 'GET',
      url: '/api/v2/users/me',
      token: s.accessToken,
      headers: { origin: 'https://admin.example.com' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(String(allowed.headers['access-control-expose-headers'])).toMatch(/X-Request-ID/i);

    const foreign = await t.request({
      method: 'GET',
      url: '/api/v2/users/me',
      token: s.accessToken,
      headers: { origin: 'https://evil.example.net' },
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
