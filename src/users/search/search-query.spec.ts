import { SearchCriteria, countQuery, keysetQueries, offsetQuery, queryWords } from './search-query';

const TENANT = '00000000-0000-4000-8000-000000000001';
const ID = '00000000-0000-4000-8000-000000000002';
const base: SearchCriteria = { words: [], sortBy: 'createdAt', sortOrder: 'desc' };

describe('search SQL', () => {
  it('splits the query into distinct words', () => {
    expect(queryWords('  José   garcía José ')).toEqual(['José', 'garcía']);
    expect(queryWords(undefined)).toEqual([]);
    expect(queryWords('   ')).toEqual([]);
  });

  it('passes every word as a parameter through dm_search_text, with LIKE wildcards escaped', () => {
    const { sql, params } = countQuery(TENANT, { ...base, words: ["50%_off'--", 'b'] });
    expect(params).toEqual([TENANT, "50%_off'--", 'b']);
    expect(sql).not.toContain('50%');
    expect(sql.match(/dm_search_text\(\$\d+::text\)/g)).toHaveLength(2);
    expect(sql).toContain(`replace(replace(replace(dm_search_text($2::text), '\\', '\\\\'), '%', '\\%'), '_', '\\_')`);
  });

  it('always scopes to the tenant and leaves deleted accounts out unless asked for', () => {
    expect(countQuery(TENANT, base).sql).toMatch(/u\.tenant_id = \$1 AND u\.deleted_at IS NULL/);
    expect(countQuery(TENANT, { ...base, status: 'deleted' }).sql).toContain('u.deleted_at IS NOT NULL');
  });

  it('orders offset pages by the key then id, NULL login times last', () => {
    const { sql } = offsetQuery(TENANT, { ...base, sortBy: 'lastLoginAt', sortOrder: 'desc' }, 'u.id', 21, 40);
    expect(sql).toContain('ORDER BY u.last_login_at DESC NULLS LAST, u.id DESC LIMIT $2 OFFSET $3');
  });

  it('seeks by a row comparison on (key, id), in the direction of the sort', () => {
    const [asc] = keysetQueries(TENANT, { ...base, sortBy: 'username', sortOrder: 'asc' }, 'u.id', 11, {
      key: 'jdoe',
      id: ID,
    });
    expect(asc.sql).toContain('(lower(u.username), u.id) > ($2::text, $3::uuid)');
    expect(asc.params).toEqual([TENANT, 'jdoe', ID, 11]);
    const queries = keysetQueries(TENANT, base, 'u.id', 11, { key: '2024-01-01 00:00:00+00', id: ID });
    expect(queries).toHaveLength(1);
    expect(queries[0].sql).toContain('(u.created_at, u.id) < ($2::timestamptz, $3::uuid)');
  });

  it('reads a nullable key in two phases: non-NULL keys, then NULL keys by id', () => {
    const login: SearchCriteria = { ...base, sortBy: 'lastLoginAt' };
    const [dated, undated] = keysetQueries(TENANT, login, 'u.id', 11, { key: '2024-01-01 00:00:00+00', id: ID });
    expect(dated.sql).toContain(
      'u.last_login_at IS NOT NULL AND (u.last_login_at, u.id) < ($2::timestamptz, $3::uuid)',
    );
    expect(undated.sql).toContain('u.last_login_at IS NULL ORDER BY u.id DESC');
    const onlyNulls = keysetQueries(TENANT, login, 'u.id', 11, { key: null, id: ID });
    expect(onlyNulls).toHaveLength(1);
    expect(onlyNulls[0].sql).toContain('u.last_login_at IS NULL AND u.id < $2::uuid ORDER BY u.id DESC');
  });
});
