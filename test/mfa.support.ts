import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as speakeasy from 'speakeasy';
import type { FixtureUser } from './support/fixtures';
import type { TestApp, TestResponse } from './support/test-app';

/** Helpers shared by the MFA, device and risk suites. */

export function post(
  t: TestApp,
  url: string,
  body: unknown,
  o: { token?: string; headers?: Record<string, string> } = {},
): Promise<TestResponse> {
  return t.request({ method: 'POST', url: `/api/v2${url}`, body, ...o });
}

export function passwordLogin(
  t: TestApp,
  user: Pick<FixtureUser, 'username' | 'password'>,
  o: { deviceToken?: string; headers?: Record<string, string>; tenant?: string } = {},
): Promise<TestResponse> {
  const headers = { ...o.headers, ...(o.tenant ? { 'x-tenant-id': o.tenant } : {}) };
  const body = {
    username: user.username,
    password: user.password,
    ...(o.deviceToken ? { deviceToken: o.deviceToken } : {}),
  };
  return post(t, '/auth/login', body, { headers });
}

/** The TOTP code of the step `offset` steps from now, computed here from the secret (not by the app). */
export function totpNow(secret: string, offset = 0): string {
  const step = Math.floor(Date.now() / 30_000) + offset;
  return speakeasy.totp({ secret, encoding: 'base32', time: step * 30 });
}

/**
 * Waits, when needed, until at least `seconds` of the current 30-second step remain, so that a sequence
 * of codes computed "now" is still judged against the same step by the server.
 */
export async function roomInStep(seconds = 3): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < seconds * 1000) await new Promise((r) => setTimeout(r, left + 50));
}

export interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  subject: string;
  text: string;
  kind: string;
  code?: string;
  token?: string;
  createdAt: string;
}

/** Every message the app wrote to its file outbox, oldest first. */
export function outbox(t: TestApp): OutboxMessage[] {
  const dir = join(t.dataDir, 'outbox');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OutboxMessage)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function lastMessage(t: TestApp, to: string, kind: string): OutboxMessage | undefined {
  return outbox(t)
    .filter((m) => m.to === to && m.kind === kind)
    .at(-1);
}

/** Enrols TOTP for a signed-in user; returns the secret and the backup codes. */
export async function enrolTotp(t: TestApp, accessToken: string): Promise<{ secret: string; backupCodes: string[] }> {
  await roomInStep();
  const setup = await post(t, '/auth/mfa/setup', { method: 'totp' }, { token: accessToken });
  if (setup.status !== 200) throw new Error(`setup failed: ${setup.status} ${setup.text}`);
  // The previous step's code: the current and next ones stay free for the sign-ins of the test.
  const verify = await post(
    t,
    '/auth/mfa/verify',
    { method: 'totp', code: totpNow(setup.body.secret, -1) },
    { token: accessToken },
  );
  if (verify.status !== 200) throw new Error(`verify failed: ${verify.status} ${verify.text}`);
  return { secret: setup.body.secret, backupCodes: verify.body.backupCodes };
}

export async function auditCount(t: TestApp, action: string, targetId?: string): Promise<number> {
  const [row] = await t.db.query(
    `SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND ($2::uuid IS NULL OR target_id = $2)`,
    [action, targetId ?? null],
  );
  return row.n;
}

/**
 * Every text/json value in the database that contains `needle` (as a whole token: not inside a longer
 * run of letters and digits), as `table.column`.
 */
export async function findInDatabase(t: TestApp, needle: string): Promise<string[]> {
  const columns: { table_name: string; column_name: string }[] = await t.db.query(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
      WHERE c.table_schema = 'public' AND tb.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`,
  );
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const hits: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [row] = await t.db.query(
      `SELECT count(*)::int AS n FROM "${table_name}" WHERE "${column_name}"::text ~* $1`,
      [`(^|[^a-z0-9])${escaped}($|[^a-z0-9])`],
    );
    if (row.n > 0) hits.push(`${table_name}.${column_name}`);
  }
  return hits;
}
