import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppConfig, EncryptionKey } from '../../config/app-config';

const VERSION = 'v1';

/**
 * Field-level encryption with AES-256-GCM. A stored value reads `v1.<keyId>.<iv>.<tag>.<ciphertext>`
 * (base64url parts): the key id travels with the value, so ENCRYPTION_KEY can list a new key first and
 * old keys after it, and every value still decrypts.
 */
@Injectable()
export class FieldCipher {
  private readonly current: EncryptionKey;
  private readonly byId: Map<string, Buffer>;

  constructor(config: AppConfig) {
    this.current = config.encryptionKeys[0];
    this.byId = new Map(config.encryptionKeys.map((k) => [k.id, k.key]));
  }

  encrypt(plain: string): string;
  encrypt(plain: string | null | undefined): string | null;
  encrypt(plain: string | null | undefined): string | null {
    if (plain === null || plain === undefined) return null;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.current.id,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  decrypt(stored: string): string;
  decrypt(stored: string | null | undefined): string | null;
  decrypt(stored: string | null | undefined): string | null {
    if (stored === null || stored === undefined) return null;
    const [version, keyId, iv, tag, ciphertext] = stored.split('.');
    if (version !== VERSION || !keyId || !iv || !tag || ciphertext === undefined) {
      throw new Error('Not an encrypted field value');
    }
    const key = this.byId.get(keyId);
    if (!key) throw new Error(`No encryption key "${keyId}" is configured; it is needed to read existing data`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
