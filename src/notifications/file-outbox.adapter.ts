import { mkdir, rename, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DeliveryAdapter, Notification } from './notification.port';

/**
 * Writes each message as one JSON file in NOTIFY_OUTBOX_DIR: development and black-box tests receive
 * verification, reset and invitation tokens and one-time codes from here. A message appears whole or not
 * at all (written under a temporary name, then renamed), so a reader polling the folder never sees half a file.
 */
export class FileOutboxAdapter implements DeliveryAdapter {
  constructor(private readonly dir: string) {}

  async deliver(message: Notification & { createdAt: string }): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const name = `${message.createdAt.replace(/[:.]/g, '-')}-${message.kind}-${randomUUID()}.json`;
    const partial = join(this.dir, `.${name}.partial`);
    await writeFile(partial, JSON.stringify(message, null, 2), { mode: 0o600 });
    await rename(partial, join(this.dir, name));
  }
}
