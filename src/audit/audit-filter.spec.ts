import { BadInput } from '../common/errors/domain-errors';
import { parseInstant, toAuditFilter } from './audit-filter';

describe('audit filter', () => {
  it('reads a date-time without an offset as UTC, not as server-local time', () => {
    expect(parseInstant('2025-03-01T10:00:00', 'from', false).toISOString()).toBe('2025-03-01T10:00:00.000Z');
    expect(parseInstant('2025-03-01T10:00:00+02:00', 'from', false).toISOString()).toBe('2025-03-01T08:00:00.000Z');
  });

  it('makes `to` inclusive: a whole day for a date, the instant itself for a date-time', () => {
    expect(parseInstant('2025-03-01', 'to', true).toISOString()).toBe('2025-03-02T00:00:00.000Z');
    expect(parseInstant('2025-03-01T10:00:00.000Z', 'to', true).toISOString()).toBe('2025-03-01T10:00:00.001Z');
    expect(parseInstant('2025-03-01', 'from', false).toISOString()).toBe('2025-03-01T00:00:00.000Z');
  });

  it('turns `x.*` into a prefix of whole segments and keeps other actions exact', () => {
    expect(toAuditFilter({ action: 'auth.login.*' })).toMatchObject({ actionPrefix: 'auth.login.', action: undefined });
    expect(toAuditFilter({ action: 'auth.logout' })).toMatchObject({ action: 'auth.logout', actionPrefix: undefined });
  });

  it('pages from 1 with 20 entries by default', () => {
    expect(toAuditFilter({})).toMatchObject({ offset: 0, limit: 20 });
    expect(toAuditFilter({ page: 3, pageSize: 50 })).toMatchObject({ offset: 100, limit: 50 });
  });

  it('refuses a range that ends before it starts', () => {
    expect(() => toAuditFilter({ from: '2025-03-02', to: '2025-03-01' })).toThrow(BadInput);
    expect(() => toAuditFilter({ from: '2025-03-01', to: '2025-03-01' })).not.toThrow();
  });
});
