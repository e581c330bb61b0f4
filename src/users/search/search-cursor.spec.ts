import type { AppConfig } from '../../config/app-config';
import { SearchCursorCodec } from './search-cursor';

describe('SearchCursorCodec', () => {
  const codec = new SearchCursorCodec({ jwtSecret: 'a-secret-of-at-least-16-chars' } as AppConfig);
  const position = {
    search: 'abc123',
    key: '2025-01-01 10:00:00.123456+00',
    id: '3f1c3a52-0000-4000-8000-000000000000',
    page: 7,
  };

  it('round-trips a position, NULL keys included', () => {
    expect(codec.decode(codec.encode(position))).toEqual(position);
    expect(codec.decode(codec.encode({ ...position, key: null }))).toEqual({ ...position, key: null });
  });

  it('refuses a cursor whose body was changed', () => {
    const [, signature] = codec.encode(position).split('.');
    const forged = Buffer.from(JSON.stringify(['abc123', 'zzz', position.id, 7])).toString('base64url');
    expect(() => codec.decode(`${forged}.${signature}`)).toThrow(/cursor is not valid/);
  });

  it('refuses a cursor signed with another secret, and garbage', () => {
    const other = new SearchCursorCodec({ jwtSecret: 'another-secret-of-16-chars' } as AppConfig);
    expect(() => codec.decode(other.encode(position))).toThrow(/cursor is not valid/);
    for (const junk of ['x', '.', 'abc.def', '', '...'])
      expect(() => codec.decode(junk)).toThrow(/cursor is not valid/);
  });
});
