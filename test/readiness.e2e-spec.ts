import { freePort } from '../src/database/embedded-postgres';
import { TestApp, startTestApp } from './support/test-app';

describe('readiness with Redis configured but unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A port nothing listens on: Redis is "down" from the start.
    t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
  });
  afterAll(() => t.close());

  it('keeps answering and reports the degradation', async () => {
    const res = await t.request({ method: 'GET', url: '/health/ready' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'degraded',
      details: { database: expect.objectContaining({ status: 'up' }), redis: { status: 'down' } },
    });
  });
});
