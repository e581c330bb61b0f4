import { hash } from 'bcrypt';
import { randomBytes } from 'node:crypto';
import type { UserType } from '../../src/common/user-types';
import type { TestApp } from './test-app';

export interface FixtureUser {
  id: string;
  tenantId: string;
  username: string;
  email: string;
  password: string;
  userType: UserType;
}

/** A tenant inserted directly (the tenants API has its own tests). */
export async function createTenant(
  t: TestApp,
  slug: string,
  settings: object = {},
): Promise<{ id: string; slug: string }> {
  const [row] = await t.db.query(`INSERT INTO tenants (slug, name, settings) VALUES ($1, $2, $3) RETURNING id, slug`, [
    slug,
    `Tenant ${slug}`,
    JSON.stringify(settings),
  ]);
  return row;
}

export async function tenantId(t: TestApp, slug = 'default'): Promise<string> {
  const [row] = await t.db.query(`SELECT id FROM tenants WHERE slug = $1`, [slug]);
  return row.id;
}

/**
 * An active user with a known password, inserted directly so that tests of other features do not depend
 * on the users API. The password satisfies the classic policy.
 */
export async function createUser(
  t: TestApp,
  o: { userType?: UserType; tenant?: string; username?: string; password?: string; status?: string } = {},
): Promise<FixtureUser> {
  const tenant = await tenantId(t, o.tenant ?? 'default');
  const username = o.username ?? `user_${randomBytes(4).toString('hex')}`;
  const password = o.password ?? `Pw-${randomBytes(6).toString('hex')}-Xy9!`;
  const userType = o.userType ?? 'customer';
  const email = `${username}@example.test`;
  const [row] = await t.db.query(
    `INSERT INTO users_v2 (tenant_id, username, email, first_name, last_name, user_type, status, email_verified)
     VALUES ($1, $2, $3, 'Test', 'User', $4, $5, true) RETURNING id`,
    [tenant, username, email, userType, o.status ?? 'active'],
  );
  await t.db.query(`INSERT INTO user_passwords_v2 (user_id, tenant_id, password_hash) VALUES ($1, $2, $3)`, [
    row.id,
    tenant,
    await hash(password, 4),
  ]);
  return { id: row.id, tenantId: tenant, username, email, password, userType };
}
