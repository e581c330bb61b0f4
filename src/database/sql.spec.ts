import { QueryFailedError } from 'typeorm';
import { failedForItsRows } from './sql';

const failed = (code: string) => new QueryFailedError('UPDATE ...', [], Object.assign(new Error('x'), { code }));

describe('failedForItsRows', () => {
  it('is true for a deadlock, a serialization failure, a refused value or a broken constraint', () => {
    expect(['40P01', '40001', '22P02', '23505'].map((code) => failedForItsRows(failed(code)))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('is false for a timeout, a lost connection, an unreachable database and anything unknown', () => {
    expect(['57014', '08006', '57P01'].map((code) => failedForItsRows(failed(code)))).toEqual([false, false, false]);
    expect(failedForItsRows(new Error('timeout exceeded when trying to connect'))).toBe(false);
    expect(failedForItsRows(undefined)).toBe(false);
  });
});
