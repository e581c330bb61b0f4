import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestApp } from './test-app';

export interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  subject: string;
  text: string;
  kind: string;
  token?: string;
  code?: string;
  createdAt: string;
}

/** Every message the file outbox holds (the default delivery without SMTP_URL), oldest first. */
export function outbox(t: TestApp): OutboxMessage[] {
  const dir = join(t.dataDir, 'outbox');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as OutboxMessage)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** The messages of one kind sent to one address, oldest first. */
export function messagesTo(t: TestApp, to: string, kind: string): OutboxMessage[] {
  return outbox(t).filter((m) => m.to.toLowerCase() === to.toLowerCase() && m.kind === kind);
}

/** The token of the latest message of this kind to this address; fails the test when there is none. */
export function lastToken(t: TestApp, to: string, kind: string): string {
  const token = messagesTo(t, to, kind).at(-1)?.token;
  if (!token) throw new Error(`no ${kind} message with a token for ${to} in the outbox`);
  return token;
}
