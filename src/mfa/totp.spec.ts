import * as speakeasy from 'speakeasy';
import { base32Encode, matchTotp, newTotpSecret, otpauthUrl, totpCode, totpStep } from './totp';

// RFC 6238, appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SEED_BASE32 = base32Encode(Buffer.from('12345678901234567890', 'ascii'));

describe('TOTP (RFC 6238)', () => {
  it('encodes the RFC seed as base32 (RFC 4648)', () => {
    expect(RFC_SEED_BASE32).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
  });

  it('gives the RFC test vector at T = 59 s: 94287082 in 8 digits, 287082 in 6', () => {
    expect(
      speakeasy.totp({ secret: RFC_SEED_BASE32, encoding: 'base32', algorithm: 'sha1', digits: 8, time: 59 }),
    ).toBe('94287082');
    expect(totpStep(59_000)).toBe(1);
    expect(totpCode(RFC_SEED_BASE32, totpStep(59_000))).toBe('287082');
  });

  it('gives the RFC vectors at the other SHA-1 times (6 digits)', () => {
    const vectors: [number, string][] = [
      [1111111109, '081804'],
      [1111111111, '050471'],
      [1234567890, '005924'],
      [2000000000, '279037'],
    ];
    for (const [t, code] of vectors) expect(totpCode(RFC_SEED_BASE32, totpStep(t * 1000))).toBe(code);
  });

  it('accepts the codes of the previous, current and next step, and tells which step matched', () => {
    const now = 1_700_000_015_000;
    const step = totpStep(now);
    for (const delta of [-1, 0, 1]) {
      expect(matchTotp(RFC_SEED_BASE32, totpCode(RFC_SEED_BASE32, step + delta), now)).toBe(step + delta);
    }
  });

  it('refuses codes two steps away, malformed codes and wrong codes', () => {
    const now = 1_700_000_015_000;
    const step = totpStep(now);
    expect(matchTotp(RFC_SEED_BASE32, totpCode(RFC_SEED_BASE32, step - 2), now)).toBeUndefined();
    expect(matchTotp(RFC_SEED_BASE32, totpCode(RFC_SEED_BASE32, step + 2), now)).toBeUndefined();
    expect(matchTotp(RFC_SEED_BASE32, '12345', now)).toBeUndefined();
    expect(matchTotp(RFC_SEED_BASE32, '12345a', now)).toBeUndefined();
    expect(matchTotp(RFC_SEED_BASE32, ` ${totpCode(RFC_SEED_BASE32, step)}`, now)).toBeUndefined();
    const wrong = String((Number(totpCode(RFC_SEED_BASE32, step)) + 1) % 1_000_000).padStart(6, '0');
    const others = [-1, 0, 1].map((d) => totpCode(RFC_SEED_BASE32, step + d));
    if (!others.includes(wrong)) expect(matchTotp(RFC_SEED_BASE32, wrong, now)).toBeUndefined();
  });

  it('makes 160-bit base32 secrets and a standard otpauth:// URL', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const url = new URL(otpauthUrl({ secretBase32: secret, issuer: 'DotMac', account: 'jdoe' }));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/DotMac:jdoe');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      secret,
      issuer: 'DotMac',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
