import { DataSource } from 'typeorm';
import { poolOf } from '../src/database/pool-errors';
import { TestApp, startTestApp } from './support/test-app';

/**
 * A connection error that reaches a client nobody listens on (PostgreSQL shutting down right as the client is
 * handed out of the pool) must not end the process.
 */
describe('Database pool', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('every client handed out has an error listener of its own', async () => {
    const pool = poolOf(t.app.get(DataSource))!;
    const client = await pool.connect();
    try {
      expect(client.listenerCount('error')).toBe(1);
      expect(() =>
        client.emit('error', new Error('terminating connection due to administrator command')),
      ).not.toThrow();
    } finally {
      client.release(new Error('test: drop this client'));
    }
    expect((await t.db.query(`SELECT 1 AS one`))[0].one).toBe(1);
  });
});
