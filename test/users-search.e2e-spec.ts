import { createTenant, createUser, tenantId } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

interface Seed {
  username: string;
  email: string;
  first: string;
  last: string;
  userType?: string;
  status?: string;
  created: string;
  lastLogin?: string | null;
}

describe('Users: POST /users/search', () => {
  let t: TestApp;
  let admin: string;
  let defaultTenant: string;
  const ids = new Map<string, string>();

  async function seed(tenant: string, users: Seed[]): Promise<void> {
    for (const u of users) {
      const [row] = await t.db.query(
        `INSERT INTO users_v2 (tenant_id, username, email, first_name, last_name, user_type, status, created_at, last_login_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          tenant,
          u.username,
          u.email,
          u.first,
          u.last,
          u.userType ?? 'customer',
          u.status ?? 'active',
          u.created,
          u.lastLogin ?? null,
        ],
      );
      if (tenant === defaultTenant) ids.set(u.username, row.id);
    }
  }

  const search = (body: object, token = admin) =>
    t.request({ method: 'POST', url: '/api/v2/users/search', body, token });
  const names = (res: { body: { items: { username: string }[] } }) => res.body.items.map((i) => i.username);

  beforeAll(async () => {
    t = await startTestApp();
    admin = (await login(t, 'admin', ADMIN_PASSWORD)).accessToken;
    defaultTenant = await tenantId(t);
    await seed(defaultTenant, [
      {
        username: 'jgarcia',
        email: 'jose.garcia@corp.test',
        first: 'José',
        last: 'García',
        userType: 'technician',
        created: '2024-01-01T10:00:00Z',
        lastLogin: '2024-06-01T00:00:00Z',
      },
      {
        username: 'zoe.a',
        email: 'zoe@corp.test',
        first: 'Zoë',
        last: 'Ångström',
        created: '2024-01-02T10:00:00Z',
        lastLogin: '2024-05-01T00:00:00Z',
      },
      { username: 'a_b', email: 'ab@corp.test', first: 'Anna', last: 'Berg', created: '2024-01-03T10:00:00Z' },
      { username: 'axb', email: 'axb@corp.test', first: 'Axel', last: 'Berg', created: '2024-01-03T10:00:00Z' },
      {
        username: 'percent',
        email: 'pct@corp.test',
        first: 'Pat',
        last: '100%',
        created: '2024-01-04T10:00:00Z',
        lastLogin: '2024-05-01T00:00:00Z',
      },
      {
        username: 'sus1',
        email: 'sus1@corp.test',
        first: 'Sam',
        last: 'Suspended',
        status: 'suspended',
        created: '2024-01-05T10:00:00Z',
      },
      {
        username: 'pend1',
        email: 'pend1@corp.test',
        first: 'Pia',
        last: 'Pending',
        status: 'pending',
        userType: 'support',
        created: '2024-01-06T10:00:00Z',
      },
      {
        username: 'gone1',
        email: 'gone1@corp.test',
        first: 'Gus',
        last: 'Gone',
        status: 'deleted',
        created: '2024-01-07T10:00:00Z',
      },
    ]);
    await t.db.query(`UPDATE users_v2 SET deleted_at = now() WHERE username = 'gone1'`);
    // Thirty more with ties on created_at and on last_login_at, so that paging must break ties by id.
    await seed(
      defaultTenant,
      Array.from({ length: 30 }, (_, i) => ({
        username: `filler${String(i).padStart(2, '0')}`,
        email: `filler${i}@bulk.test`,
        first: 'Fill',
        last: `Er${i % 4}`,
        created: `2023-0${1 + (i % 3)}-01T00:00:00Z`,
        lastLogin: i % 3 === 0 ? null : `2024-0${1 + (i % 2)}-15T00:00:00Z`,
      })),
    );
    await createTenant(t, 'rival');
    await seed(await tenantId(t, 'rival'), [
      {
        username: 'jgarcia',
        email: 'jose.garcia@corp.test',
        first: 'José',
        last: 'García',
        created: '2024-01-01T10:00:00Z',
      },
    ]);
    const [role] = await t.db.query(`INSERT INTO roles (tenant_id, name) VALUES ($1, 'Dispatcher') RETURNING id`, [
      defaultTenant,
    ]);
    await t.db.query(`INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)`, [
      defaultTenant,
      ids.get('zoe.a'),
      role.id,
    ]);
  });
  afterAll(() => t.close());

  describe('query', () => {
    it.each([
      ['JOSE', ['jgarcia']],
      ['garcía', ['jgarcia']],
      ['GARCIA', ['jgarcia']],
      ['angstrom', ['zoe.a']],
      ['ZOË', ['zoe.a']],
      ['ose arc', ['jgarcia']],
      ['jose corp.test', ['jgarcia']],
      ['jose zoe', []],
      ['a_b', ['a_b']],
      ['_', ['a_b']],
      ['%', ['percent']],
      ['0%', ['percent']],
      ['nobody-matches-this', []],
    ])('%j finds %j', async (query, expected) => {
      const res = await search({ query, pageSize: 100 });
      expect(res.status).toBe(200);
      expect(names(res).sort()).toEqual(expected);
      expect(res.body.total).toBe(expected.length);
    });

    it('never shows users of another tenant', async () => {
      const res = await search({ query: 'garcia' });
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0].tenantId).toBe(defaultTenant);
      const rivalAdmin = await createUser(t, { tenant: 'rival', userType: 'tenant_admin' });
      const { accessToken } = await login(t, rivalAdmin.username, rivalAdmin.password, 'rival');
      const theirs = await search({ pageSize: 100 }, accessToken);
      expect(names(theirs).sort()).toEqual(['jgarcia', rivalAdmin.username].sort());
      expect(theirs.body.items.find((i: { username: string }) => i.username === 'jgarcia').id).not.toBe(
        ids.get('jgarcia'),
      );
    });

    it('lists summaries with roles and nothing secret', async () => {
      const res = await search({ query: 'zoe' });
      expect(res.body.items[0]).toMatchObject({ username: 'zoe.a', roles: ['Dispatcher'], isActive: true });
      expect(res.body.items[0]).not.toHaveProperty('contactInfo');
      expect(JSON.stringify(res.body)).not.toMatch(/password|hash|search_?text/i);
    });
  });

  describe('filters', () => {
    it.each([
      [{ userType: 'technician' }, ['jgarcia']],
      [{ userType: 'support' }, ['pend1']],
      [{ status: 'suspended' }, ['sus1']],
      [{ status: 'deleted' }, ['gone1']],
      [{ isActive: false }, ['pend1', 'sus1']],
      [{ role: 'dispatcher' }, ['zoe.a']],
      [{ role: 'technician' }, ['jgarcia']],
      [{ createdFrom: '2024-01-03T00:00:00Z', createdTo: '2024-01-05T23:59:59Z' }, ['a_b', 'axb', 'percent', 'sus1']],
      [{ lastLoginFrom: '2024-04-01T00:00:00Z', lastLoginTo: '2024-05-31T00:00:00Z' }, ['percent', 'zoe.a']],
      [{ query: 'berg', createdTo: '2024-01-03T10:00:00Z' }, ['a_b', 'axb']],
    ])('%j → %j', async (filter, expected) => {
      const res = await search({ ...filter, pageSize: 100 });
      expect(res.status).toBe(200);
      expect(names(res).sort()).toEqual(expected);
    });

    it('leaves deleted users out unless asked for', async () => {
      const res = await search({ query: 'gone' });
      expect(res.body.total).toBe(0);
    });
  });

  describe('validation and access', () => {
    it.each([
      [{ sortBy: 'password' }, 'sortBy'],
      [{ sortBy: 'search_text' }, 'sortBy'],
      [{ sortOrder: 'sideways' }, 'sortOrder'],
      [{ pageSize: 101 }, 'pageSize'],
      [{ pageSize: 0 }, 'pageSize'],
      [{ page: 0 }, 'page'],
      [{ page: 'two' }, 'page'],
      [{ userType: 'emperor' }, 'userType'],
      [{ createdFrom: 'yesterday' }, 'createdFrom'],
      [{ createdFrom: '2024-02-01T00:00:00Z', createdTo: '2024-01-01T00:00:00Z' }, 'createdFrom'],
      [{ query: 'x'.repeat(201) }, 'query'],
      [{ orderBy: 'id' }, 'orderBy'],
    ])('%j → 400 naming %s', async (body, field) => {
      const res = await search(body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('needs users:read', async () => {
      const customer = await createUser(t);
      const { accessToken } = await login(t, customer.username, customer.password);
      expect((await search({}, accessToken)).status).toBe(403);
      expect((await t.request({ method: 'POST', url: '/api/v2/users/search', body: {} })).status).toBe(401);
    });
  });

  describe('paging', () => {
    it('pages by offset with total, newest first by default', async () => {
      const all = await search({ pageSize: 100 });
      const total = all.body.total;
      expect(total).toBeGreaterThanOrEqual(38);
      const created = all.body.items.map((i: { createdAt: string }) => i.createdAt);
      expect(created).toEqual([...created].sort().reverse());
      const page2 = await search({ page: 2, pageSize: 10 });
      expect(page2.body).toMatchObject({ total, page: 2, pageSize: 10 });
      expect(names(page2)).toEqual(names(all).slice(10, 20));
      const last = await search({ page: Math.ceil(total / 10), pageSize: 10 });
      expect(last.body.nextCursor).toBeNull();
      const beyond = await search({ page: 99, pageSize: 10 });
      expect(beyond.body).toMatchObject({ items: [], total, nextCursor: null });
    });

    const orders = ['createdAt', 'username', 'email', 'lastName', 'lastLoginAt'].flatMap((sortBy) =>
      ['asc', 'desc'].map((sortOrder) => [sortBy, sortOrder] as const),
    );
    it.each(orders)(
      'walking the cursor by %s %s visits every user once, in the order of the offset pages',
      async (sortBy, sortOrder) => {
        const reference = names(await search({ sortBy, sortOrder, pageSize: 100 }));
        const walked: string[] = [];
        let res = await search({ sortBy, sortOrder, pageSize: 7 });
        let page = 1;
        for (;;) {
          expect(res.status).toBe(200);
          expect(res.body.page).toBe(page);
          walked.push(...names(res));
          if (!res.body.nextCursor) break;
          res = await search({ sortBy, sortOrder, pageSize: 7, cursor: res.body.nextCursor });
          page += 1;
        }
        expect(walked).toEqual(reference);
        expect(page).toBe(Math.ceil(reference.length / 7));
      },
    );

    it('puts users who never signed in last, in both directions', async () => {
      for (const sortOrder of ['asc', 'desc']) {
        const res = await search({ sortBy: 'lastLoginAt', sortOrder, pageSize: 100 });
        const logins = res.body.items.map((i: { lastLoginAt: string | null }) => i.lastLoginAt);
        const firstNull = logins.indexOf(null);
        expect(logins.slice(firstNull).every((l: string | null) => l === null)).toBe(true);
        const dated = logins.slice(0, firstNull);
        const sorted = [...dated].sort();
        expect(dated).toEqual(sortOrder === 'asc' ? sorted : sorted.reverse());
      }
    });

    it('continues from an offset page with its nextCursor', async () => {
      const reference = names(await search({ sortBy: 'email', sortOrder: 'asc', pageSize: 100 }));
      const page3 = await search({ sortBy: 'email', sortOrder: 'asc', page: 3, pageSize: 5 });
      const next = await search({ sortBy: 'email', sortOrder: 'asc', pageSize: 5, cursor: page3.body.nextCursor });
      expect(next.body.page).toBe(4);
      expect(names(next)).toEqual(reference.slice(15, 20));
    });

    it('refuses a cursor it did not issue, one from another search, and cursor with page', async () => {
      const first = await search({ query: 'fill', pageSize: 5 });
      const cursor: string = first.body.nextCursor;
      expect(cursor).toEqual(expect.any(String));
      const [body, signature] = cursor.split('.');
      const decoded = JSON.parse(Buffer.from(body, 'base64url').toString());
      decoded[2] = '00000000-0000-4000-8000-000000000000';
      const forged = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
      for (const bad of [forged, 'garbage', `${body}.`, `${body}.${'A'.repeat(43)}`]) {
        const res = await search({ query: 'fill', pageSize: 5, cursor: bad });
        expect([bad, res.status]).toEqual([bad, 400]);
      }
      expect((await search({ query: 'fill', pageSize: 5, cursor })).status).toBe(200);
      expect((await search({ query: 'berg', pageSize: 5, cursor })).status).toBe(400);
      expect((await search({ query: 'fill', sortOrder: 'asc', pageSize: 5, cursor })).status).toBe(400);
      expect((await search({ query: 'fill', pageSize: 5, page: 2, cursor })).status).toBe(400);
    });
  });
});
