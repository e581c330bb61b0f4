import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestApp, startTestApp } from './support/test-app';

describe('Foundation: conventions of the contract', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('health', () => {
    it('GET /health/live answers 200 outside the API prefix', async () => {
      const res = await t.request({ method: 'GET', url: '/health/live' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready reports the database up', async () => {
      const res = await t.request({ method: 'GET', url: '/health/ready' });
      expect(res.status).toBe(200);
      expect(res.body.details.database.status).toBe('up');
    });
  });

  describe('request ids', () => {
    it('echoes the X-Request-ID the client sent', async () => {
      const res = await t.request({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'client-id-123' } });
      expect(res.headers['x-request-id']).toBe('client-id-123');
    });

    it('generates one when the client sent none, or an unusable one', async () => {
      const a = await t.request({ method: 'GET', url: '/health/live' });
      const b = await t.request({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id\n' } });
      expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });
  });

  describe('errors in the contract shape', () => {
    it('unknown route → 404 with the request id', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/v2/no-such-route',
        headers: { 'x-request-id': 'r-404' },
      });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: expect.any(String),
        requestId: 'r-404',
      });
    });

    it('malformed JSON → 400', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v2/auth/login',
        payload: '{"username": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', requestId: expect.any(String) });
      expect(res.text).not.toMatch(/at .*\.js:\d+/);
    });

    it('a 2 MiB body → 413', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v2/auth/login',
        payload: JSON.stringify({ username: 'x'.repeat(2 * 1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large', requestId: expect.any(String) });
    });

    it('a protected route without credentials → 401', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v2/users/me' });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', requestId: expect.any(String) });
    });
  });

  describe('metrics', () => {
    it('labels request durations by route template, not raw URL', async () => {
      await t.request({ method: 'GET', url: '/health/live' });
      await t.request({ method: 'GET', url: '/api/v2/users/3f1c3a52-0000-4000-8000-000000000000' });
      const res = await t.request({ method: 'GET', url: '/metrics' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toContain('http_request_duration_seconds_bucket');
      expect(res.text).toMatch(/route="\/health\/live"/);
      expect(res.text).not.toContain('3f1c3a52-0000-4000-8000-000000000000');
      expect(res.text).toContain('db_pool_connections_total');
    });
  });

  describe('API documentation', () => {
    it('serves Swagger UI at /docs', async () => {
      const res = await t.request({ method: 'GET', url: '/docs' });
      expect(res.status).toBe(200);
      expect(res.text).toContain('swagger-ui');
    });

    it('serves OpenAPI 3 at /docs-json, equal to the committed openapi.json', async () => {
      const res = await t.request({ method: 'GET', url: '/docs-json' });
      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(res.body.components.securitySchemes).toMatchObject({
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      });
      const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
      // Run `npm run openapi` after changing a route or DTO, and commit the result.
      expect(res.body).toEqual(committed);
    });
  });

  describe('bootstrap', () => {
    it('creates the default tenant and one super admin, idempotently', async () => {
      const tenants = await t.db.query(`SELECT slug FROM tenants`);
      expect(tenants).toEqual([{ slug: 'default' }]);
      const admins = await t.db.query(`SELECT username, status FROM users_v2 WHERE user_type = 'super_admin'`);
      expect(admins).toEqual([{ username: 'admin', status: 'active' }]);
      const [{ password_hash }] = await t.db.query(`SELECT password_hash FROM user_passwords_v2`);
      expect(password_hash).toMatch(/^\$2[aby]\$/);
    });
  });
});
