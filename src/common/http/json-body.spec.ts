import { MAX_JSON_DEPTH, hasLoneSurrogate, jsonNestsDeeperThan } from './json-body';

describe('jsonNestsDeeperThan', () => {
  const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  it('counts objects and arrays, up to and past the limit', () => {
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":{"b":[{"c":1}]}}', 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":{"b":[{"c":1}]}}', 4)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(`{"a":"${'[{'.repeat(100)}"}`, 1)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\"[[[[","b":1}`, 1)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\\\","b":[[1]]}`, 2)).toBe(true);
  });

  it('siblings do not add up', () => {
    expect(jsonNestsDeeperThan(`[${Array(1000).fill('[1]').join(',')}]`, 2)).toBe(false);
  });
});

describe('hasLoneSurrogate', () => {
  it('finds an unpaired surrogate in any string, key or value, however deep', () => {
    expect(hasLoneSurrogate('\ud800')).toBe(true);
    expect(hasLoneSurrogate('ab\udc00')).toBe(true);
    expect(hasLoneSurrogate({ a: [1, { b: 'x\ud83d' }] })).toBe(true);
    expect(hasLoneSurrogate({ ['\udfff']: 1 })).toBe(true);
  });

  it('accepts paired surrogates and everything else', () => {
    expect(hasLoneSurrogate({ emoji: '💥 😀', n: 1, b: true, z: null, list: ['é', 'ß'] })).toBe(false);
  });
});
