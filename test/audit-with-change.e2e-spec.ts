import { AuditService } from '../src/audit/audit.service';
import { createUser } from './support/fixtures';
import { TestApp, startTestApp } from './support/test-app';

/**
 * A change and its audit entry in one statement (how sign-in and refresh write): both or neither, and an
 * entry only for a change that happened.
 */
describe('AuditService.recordWithChange', () => {
  let t: TestApp;
  let audit: AuditService;
  beforeAll(async () => {
    t = await startTestApp();
    audit = t.app.get(AuditService);
  });
  afterAll(() => t.close());

  const entriesAbout = async (userId: string, action: string) =>
    (
      await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1 AND action = $2`, [
        userId,
        action,
      ])
    )[0].n as number;
  const rename = (id: string, firstName: string) => ({
    sql: `UPDATE users_v2 SET first_name = $2 WHERE id = $1 RETURNING id`,
    params: [id, firstName],
  });

  it('writes the change and its entry together, and alongside changes too', async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    const rows = await audit.recordWithChange<{ id: string }>(
      rename(user.id, 'Renamed'),
      { tenantId: user.tenantId, action: 'test.renamed', targetId: user.id },
      { alongside: [rename(other.id, 'Alongside')] },
    );
    expect(rows.map((r) => r.id)).toEqual([user.id]);
    expect(await entriesAbout(user.id, 'test.renamed')).toBe(1);
    const names = await t.db.query(`SELECT id, first_name FROM users_v2 WHERE id = ANY($1) ORDER BY first_name`, [
      [user.id, other.id],
    ]);
    expect(names).toEqual([
      { id: other.id, first_name: 'Alongside' },
      { id: user.id, first_name: 'Renamed' },
    ]);
  });

  it('appends nothing when the change touched no row', async () => {
    const user = await createUser(t);
    const rows = await audit.recordWithChange(
      { sql: `UPDATE users_v2 SET first_name = 'x' WHERE id = $1 AND false RETURNING id`, params: [user.id] },
      { tenantId: user.tenantId, action: 'test.nothing', targetId: user.id },
    );
    expect(rows).toEqual([]);
    expect(await entriesAbout(user.id, 'test.nothing')).toBe(0);
  });

  it('writes nothing at all when any part fails', async () => {
    const user = await createUser(t);
    await expect(
      audit.recordWithChange(
        rename(user.id, 'Never'),
        { tenantId: user.tenantId, action: 'test.failed', targetId: user.id },
        // The username column is NOT NULL: this part fails, so the whole statement does.
        { alongside: [{ sql: `UPDATE users_v2 SET username = NULL WHERE id = $1`, params: [user.id] }] },
      ),
    ).rejects.toThrow();
    expect(await entriesAbout(user.id, 'test.failed')).toBe(0);
    const [row] = await t.db.query(`SELECT first_name FROM users_v2 WHERE id = $1`, [user.id]);
    expect(row.first_name).not.toBe('Never');
  });

  it('recordEachWithChange appends, in the same statement, the entry of each row changed and no other', async () => {
    const [a, b, c] = [await createUser(t), await createUser(t), await createUser(t)];
    const entry = (id: string) => audit.capture({ tenantId: a.tenantId, action: 'test.each', targetId: id });
    const rows = await audit.recordEachWithChange<{ i: number; id: string }>(
      {
        // Renames the users given, except the second one (first_name stays 'Test').
        sql: `UPDATE users_v2 u SET first_name = 'Each' FROM unnest($1::uuid[]) WITH ORDINALITY AS v(id, i)
               WHERE u.id = v.id AND v.i <> 2 RETURNING v.i::int AS i, u.id`,
        params: [[a.id, b.id, c.id]],
      },
      [entry(a.id), entry(b.id), entry(c.id)],
    );
    expect(rows.map((r) => [r.i, r.id]).sort()).toEqual([
      [1, a.id],
      [3, c.id],
    ]);
    expect([await entriesAbout(a.id, 'test.each'), await entriesAbout(b.id, 'test.each')]).toEqual([1, 0]);
    expect(await entriesAbout(c.id, 'test.each')).toBe(1);
  });
});
