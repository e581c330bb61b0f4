/**
 * User search at scale: seeds 100,000 users into one tenant of the database named by DATABASE_URL (once;
 * a later run reuses them), then measures POST /users/search through the whole application stack
 * (Fastify inject: routing, guard, validation, service, SQL) and prints the percentiles and the plans.
 *
 *   npm run bench:search        (or DATABASE_URL=postgres://…/dm_bench npm run bench:search)
 *
 * The database is created when missing and migrated; without DATABASE_URL an embedded PostgreSQL in a
 * temporary directory is seeded afresh. Optional: BENCH_USERS (100000), BENCH_ROUNDS (20).
 */
import 'reflect-metadata';
import { hash } from 'bcrypt';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../ormconfig';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { ensureDatabase, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { SearchCursorCodec } from '../src/users/search/search-cursor';
import { SearchCriteria, countQuery, keysetQueries, offsetQuery } from '../src/users/search/search-query';
import { userColumns } from '../src/users/search/users-search.repository';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const TENANT = 'bench';
const ADMIN = { username: 'bench.admin', password: 'Bench-Admin-Pass-1!' };

const FIRST = [
  'José',
  'María',
  'Zoë',
  'Björn',
  'Chloé',
  'François',
  'Jürgen',
  'Søren',
  'Ana',
  'Łukasz',
  'Renée',
  'Noël',
  'Mohammed',
  'Wei',
  'Aiko',
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Amélie',
  'Mateo',
  'Ingrid',
  'Raúl',
  'Siobhán',
  'Dmitri',
  'Fatima',
  'Kofi',
  'Priya',
  'Hannah',
  'Lars',
  'Inés',
  'Tomás',
  'Yusuf',
  'Eva',
  'Paulo',
  'Agnès',
  'Nikolai',
  'Leïla',
  'Oscar',
  'Mia',
];
const LAST = [
  'García',
  'Müller',
  'Ångström',
  'Núñez',
  'Dvořák',
  'Smith',
  'Johnson',
  'López',
  'Kowalski',
  'Brien',
  'Rossi',
  'Novák',
  'Bernard',
  'Dubois',
  'Silva',
  'Yamamoto',
  'Chen',
  'Nguyen',
  'Kim',
  'Haddad',
  'Schröder',
  'Jensen',
  'Fernández',
  'Öztürk',
  'Lefèvre',
  'Petrović',
  'Walsh',
  'Ibáñez',
  'Larsen',
  'Costa',
  'Moreau',
  'Weiß',
  'Andersson',
  'Mendoza',
  'Sato',
  'Okafor',
  'Gallagher',
  'Håkansson',
  'Romero',
  'Becker',
];

async function seed(db: DataSource): Promise<string> {
  await db.query(`INSERT INTO tenants (slug, name) VALUES ($1, 'Benchmark') ON CONFLICT (slug) DO NOTHING`, [TENANT]);
  const [{ id: tenantId }] = await db.query(`SELECT id FROM tenants WHERE slug = $1`, [TENANT]);
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM users_v2 WHERE tenant_id = $1`, [tenantId]);
  if (n < USERS) {
    const started = Date.now();
    // 3 years of sign-ups; 30 % never signed in; names with and without accents; unique usernames.
    // In chunks, each well within the pool's statement timeout.
    for (let from = n; from < USERS; from += 10_000) {
      await db.query(
        `INSERT INTO users_v2 (tenant_id, username, email, first_name, last_name, user_type, status, created_at, last_login_at)
       SELECT $1,
              lower(public.unaccent(f)) || '.' || lower(public.unaccent(l)) || g,
              lower(public.unaccent(f)) || '.' || lower(public.unaccent(l)) || g || '@mail' || (g % 50) || '.example.com',
              f, l,
              (ARRAY['customer','customer','customer','technician','support','reseller'])[1 + g % 6],
              (ARRAY['active','active','active','active','pending','suspended','inactive'])[1 + g % 7],
              now() - make_interval(secs => (g::bigint * 947) % (3 * 365 * 86400)),
              CASE WHEN g % 10 < 3 THEN NULL ELSE now() - make_interval(secs => (g::bigint * 7919) % (365 * 86400)) END
         FROM generate_series($2::int + 1, $3::int) g,
              LATERAL (SELECT ($4::text[])[1 + g % 40] AS f, ($5::text[])[1 + (g / 40) % 40] AS l) names`,
        [tenantId, from, Math.min(USERS, from + 10_000), FIRST, LAST],
      );
    }
    console.log(`seeded ${USERS - n} users in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const [admin] = await db.query(`SELECT id FROM users_v2 WHERE tenant_id = $1 AND username = $2`, [
    tenantId,
    ADMIN.username,
  ]);
  if (!admin) {
    const [row] = await db.query(
      `INSERT INTO users_v2 (tenant_id, username, email, user_type, status, email_verified)
       VALUES ($1, $2, 'bench.admin@example.com', 'tenant_admin', 'active', true) RETURNING id`,
      [tenantId, ADMIN.username],
    );
    await db.query(`INSERT INTO user_passwords_v2 (user_id, tenant_id, password_hash) VALUES ($1, $2, $3)`, [
      row.id,
      tenantId,
      await hash(ADMIN.password, 4),
    ]);
  }
  await db.query(`VACUUM ANALYZE users_v2`);
  return tenantId;
}

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return `n=${s.length} p50=${at(0.5).toFixed(1)} ms  p95=${at(0.95).toFixed(1)} ms  max=${s[s.length - 1].toFixed(1)} ms`;
}

async function main(): Promise<void> {
  // Without DATABASE_URL: an embedded PostgreSQL in a temporary directory, seeded afresh.
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), 'dm-bench-search-')));
  const url = process.env.DATABASE_URL ?? embedded!.url;
  const admin = new URL(url);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  await ensureDatabase(admin.toString(), name);

  const db = new DataSource(dataSourceOptions(url));
  await db.initialize();
  await db.runMigrations({ transaction: 'each' });
  const tenantId = await seed(db);
  await db.destroy();

  const dataDir = mkdtempSync(join(tmpdir(), 'dm-bench-'));
  const app = await createApp(
    loadConfig({ DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'silent', BCRYPT_ROUNDS: '4' }),
  );
  const fastify = app.getHttpAdapter().getInstance();
  const call = async (body: object, token?: string) => {
    const started = performance.now();
    const res = await fastify.inject({
      method: 'POST',
      url: token ? '/api/v2/users/search' : '/api/v2/auth/login',
      headers: {
        'content-type': 'application/json',
        'x-tenant-id': TENANT,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      payload: JSON.stringify(body),
    });
    const ms = performance.now() - started;
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
    return { ms, body: JSON.parse(res.body) };
  };

  try {
    const { body: session } = await call(ADMIN);
    const token: string = session.accessToken;
    const search = (body: object) => call(body, token);
    console.log(
      `\nPOST /users/search, ${USERS} users in tenant "${TENANT}", load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );

    const queries = [
      'garc',
      'müll',
      'ANGSTR',
      'jose garc',
      'dvorak',
      'kowal',
      'chloe lefe',
      'mail7.',
      'oscar.becker1',
      'siob',
    ];
    for (const q of queries) await search({ query: q }); // warm-up
    const substring: number[] = [];
    const perQuery = new Map<string, { total: number; ms: number[] }>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const query of queries) {
        const { ms, body } = await search({ query, pageSize: 20 });
        substring.push(ms);
        const entry = perQuery.get(query) ?? { total: body.total as number, ms: [] as number[] };
        entry.ms.push(ms);
        perQuery.set(query, entry);
      }
    }
    console.log(`substring queries (page 1 of 20 + total):  ${stats(substring)}`);
    for (const [query, { total, ms }] of perQuery)
      console.log(`  ${JSON.stringify(query).padEnd(18)} total=${String(total).padStart(6)}  ${stats(ms)}`);

    const everyone: number[] = [];
    for (let r = 0; r < Math.max(3, ROUNDS / 4); r++) everyone.push((await search({ query: 'example.com' })).ms);
    console.log(`a word every user matches ("example.com"): ${stats(everyone)}`);

    // Keyset: walk far down the list once, then time the deep page against the first.
    const walks = new Map<string, string[]>();
    for (const [sortBy, sortOrder] of [
      ['createdAt', 'desc'],
      ['lastLoginAt', 'desc'],
      ['username', 'asc'],
    ] as const) {
      const pageSize = 100;
      let cursor: string | null = null;
      const cursors: string[] = [];
      walks.set(sortBy, cursors);
      const walkStarted = performance.now();
      let page = 0;
      const depth = Math.floor((USERS * 0.9) / pageSize);
      while (page < depth) {
        const res: { body: { nextCursor: string | null } } = await search(
          cursor ? { sortBy, sortOrder, pageSize, cursor } : { sortBy, sortOrder, pageSize },
        );
        cursor = res.body.nextCursor;
        page += 1;
        if (!cursor) break;
        cursors.push(cursor);
      }
      const walked = performance.now() - walkStarted;
      const first: number[] = [];
      const deep: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        first.push((await search({ sortBy, sortOrder, pageSize })).ms);
        deep.push((await search({ sortBy, sortOrder, pageSize, cursor: cursor! })).ms);
      }
      console.log(`\n${sortBy} ${sortOrder}, pages of ${pageSize} (+ total):`);
      console.log(`  first page:                      ${stats(first)}`);
      console.log(`  keyset page ${page + 1} (row ${page * pageSize + 1}): ${stats(deep)}`);
      console.log(
        `  (walking ${page} pages by cursor took ${(walked / 1000).toFixed(1)} s, ${(walked / page).toFixed(1)} ms a page)`,
      );
      if (sortBy === 'createdAt') {
        const offset: number[] = [];
        for (let r = 0; r < 5; r++) offset.push((await search({ sortBy, sortOrder, pageSize, page: page + 1 })).ms);
        console.log(`  the same page by offset:         ${stats(offset)}`);
      }
    }

    // The plans, for the statements the repository runs.
    const dataSource = app.get(DataSource);
    const columns = userColumns(dataSource);
    const criteria = (words: string[], sortBy: SearchCriteria['sortBy'] = 'createdAt'): SearchCriteria => ({
      words,
      sortBy,
      sortOrder: 'desc',
    });
    const explain = async (title: string, sql: string, params: unknown[]) => {
      const rows: { 'QUERY PLAN': string }[] = await dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      console.log(`\n--- ${title}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    };
    const page1 = offsetQuery(tenantId, criteria(['garc']), columns, 21, 0);
    await explain('substring "garc": page 1', page1.sql, page1.params);
    const count = countQuery(tenantId, criteria(['garc']));
    await explain('substring "garc": total', count.sql, count.params);
    const two = countQuery(tenantId, criteria(['jose', 'garc']));
    await explain('two words "jose garc": total', two.sql, two.params);
    const everything = countQuery(tenantId, criteria(['example.com']));
    await explain('a word every user matches, "example.com": total', everything.sql, everything.params);
    const codec = app.get(SearchCursorCodec);
    const deepest = (sortBy: string, at?: number) => {
      const cursors = walks.get(sortBy)!;
      return codec.decode(cursors[at ?? cursors.length - 1]);
    };
    const byCreated = deepest('createdAt');
    const [keyset] = keysetQueries(tenantId, criteria([]), columns, 101, byCreated);
    await explain(`keyset page ${byCreated.page} by createdAt desc`, keyset.sql, keyset.params);
    const dated = deepest('lastLoginAt', Math.floor(walks.get('lastLoginAt')!.length / 2));
    for (const [i, q] of keysetQueries(tenantId, criteria([], 'lastLoginAt'), columns, 101, dated).entries()) {
      await explain(`keyset page ${dated.page} by lastLoginAt desc, phase ${i + 1} of 2`, q.sql, q.params);
    }
    const undated = deepest('lastLoginAt');
    const [nulls] = keysetQueries(tenantId, criteria([], 'lastLoginAt'), columns, 101, undated);
    await explain(
      `keyset page ${undated.page} by lastLoginAt desc (among users who never signed in)`,
      nulls.sql,
      nulls.params,
    );
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
