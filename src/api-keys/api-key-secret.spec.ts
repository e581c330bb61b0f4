import { createHash } from 'node:crypto';
import { hashApiKey, looksLikeApiKey, newApiKey } from './api-key-secret';

describe('API key secrets', () => {
  it('are dmac_ and 32 random bytes in base64url, with a 12-character prefix and a sha256 hash', () => {
    const { key, prefix, hash } = newApiKey();
    expect(key).toMatch(/^dmac_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(5), 'base64url')).toHaveLength(32);
    expect(prefix).toBe(key.slice(0, 12));
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toBe(hash);
  });

  it('never repeat', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => newApiKey().key));
    expect(keys.size).toBe(1000);
  });

  it('recognises the format only', () => {
    expect(looksLikeApiKey(newApiKey().key)).toBe(true);
    for (const bad of [
      '',
      'dmac_',
      `dmac_${'a'.repeat(42)}`,
      `dmac_${'a'.repeat(44)}`,
      `dmak_${'a'.repeat(43)}`,
      `dmac_${'a'.repeat(42)}=`,
    ]) {
      expect(looksLikeApiKey(bad)).toBe(false);
    }
  });
});
