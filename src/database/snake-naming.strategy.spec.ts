import { SnakeNamingStrategy } from './snake-naming.strategy';

describe('SnakeNamingStrategy', () => {
  const naming = new SnakeNamingStrategy();

  it('maps camelCase properties to the snake_case columns of the migrations', () => {
    expect(naming.columnName('tenantId', undefined, [])).toBe('tenant_id');
    expect(naming.columnName('lastLoginAt', undefined, [])).toBe('last_login_at');
    expect(naming.columnName('mfaTOTPSecret', undefined, [])).toBe('mfa_totp_secret');
  });

  it('keeps an explicit column name', () => {
    expect(naming.columnName('x', 'custom_name', [])).toBe('custom_name');
  });

  it('prefixes embedded columns', () => {
    expect(naming.columnName('city', undefined, ['homeAddress'])).toBe('home_address_city');
  });
});
