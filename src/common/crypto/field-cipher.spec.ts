import { randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { FieldCipher } from './field-cipher';

const key = (id: string) => ({ id, key: randomBytes(32) });
const cipherWith = (...keys: ReturnType<typeof key>[]) =>
  new FieldCipher(Object.assign(new AppConfig(), { encryptionKeys: keys }));

describe('FieldCipher', () => {
  it('round-trips and never stores the clear value', () => {
    const c = cipherWith(key('k1'));
    const stored = c.encrypt('+4915112345678');
    expect(stored).not.toContain('4915112345678');
    expect(stored.startsWith('v1.k1.')).toBe(true);
    expect(c.decrypt(stored)).toBe('+4915112345678');
  });

  it('uses a fresh IV every time', () => {
    const c = cipherWith(key('k1'));
    expect(c.encrypt('same')).not.toBe(c.encrypt('same'));
  });

  it('decrypts values written with an older key after rotation', () => {
    const old = key('old');
    const stored = cipherWith(old).encrypt('Main Street 1');
    const rotated = cipherWith(key('new'), old);
    expect(rotated.decrypt(stored)).toBe('Main Street 1');
    expect(rotated.encrypt('x').startsWith('v1.new.')).toBe(true);
  });

  it('detects tampering', () => {
    const c = cipherWith(key('k1'));
    const parts = c.encrypt('secret').split('.');
    parts[4] = Buffer.from('public').toString('base64url');
    expect(() => c.decrypt(parts.join('.'))).toThrow();
  });

  it('passes null through', () => {
    expect(cipherWith(key('k1')).encrypt(null)).toBeNull();
  });
});
