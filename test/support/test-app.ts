import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { TestDatabase, createTestDatabase } from './database';

export const ADMIN_PASSWORD = 'Bootstrap-Admin-Pass-1!';

export interface TestApp {
  app: NestFastifyApplication;
  db: DataSource;
  dataDir: string;
  database: TestDatabase;
  /** One request through the real Fastify stack. */
  request(options: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  url: string;
  body?: unknown;
  payload?: string | Buffer;
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
  text: string;
}

/**
 * The whole application on its own fresh database, with fast bcrypt, a silent log and no rate limits
 * (a test of rate limiting sets RATE_LIMIT_* itself).
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'dm-test-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    BCRYPT_ROUNDS: '4',
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    RATE_LIMIT_LOGIN_PER_MINUTE: '0',
    RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
    // The whole suite runs against Redis too when REDIS_URL is set (CI does); each app has its own keys.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    REDIS_PREFIX: `${database.name}:`,
    ...env,
  });
  const app = await createApp(config);
  const fastify = app.getHttpAdapter().getInstance();
  return {
    app,
    db: app.get(DataSource),
    dataDir,
    database,
    async request(o) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.apiKey) headers['x-api-key'] = o.apiKey;
      let payload = o.payload;
      if (o.body !== undefined) {
        payload = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fastify.inject({ method: o.method, url: o.url, headers, payload });
      let body: unknown = undefined;
      if (res.body && String(res.headers['content-type'] ?? '').includes('json')) body = JSON.parse(res.body);
      return { status: res.statusCode, headers: res.headers, body, text: res.body };
    },
    async close() {
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  user: { id: string; username: string; tenantId: string };
}

/** A real login through the API; fails the test when it does not answer 200 with tokens. */
export async function login(t: TestApp, username: string, password: string, tenant?: string): Promise<Tokens> {
  const res = await t.request({
    method: 'POST',
    url: '/api/v2/auth/login',
    body: { username, password },
    headers: tenant ? { 'x-tenant-id': tenant } : {},
  });
  if (res.status !== 200 || !res.body.accessToken) {
    throw new Error(`login as ${username} failed: ${res.status} ${res.text}`);
  }
  return res.body as Tokens;
}
