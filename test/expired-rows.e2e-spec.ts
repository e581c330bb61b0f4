import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { ExpiredRowsService } from '../src/maintenance/expired-rows.service';
import { OneTimeTokensPurgeRepository } from '../src/maintenance/one-time-tokens-purge.repository';
import { auditCount, passwordLogin } from './mfa.support';
import { createUser, tenantId, type FixtureUser } from './support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from './support/test-app';

const HOUR_MS = 3_600_000;

// Addresses of the GeoLite2 database shipped with the package.
const GERMANY = '5.9.0.1';
const BRITAIN = '81.2.69.142';
const JAPAN = '133.242.0.1';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

describe('Expired rows are purged hourly, after a grace period', () => {
  let t: TestApp;
  let purge: ExpiredRowsService;
  let admin: string;
  let adminId: string;
  let defaultTenant: string;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true' });
    purge = t.app.get(ExpiredRowsService);
    const session = await login(t, 'admin', ADMIN_PASSWORD);
    admin = session.accessToken;
    adminId = session.user.id;
    defaultTenant = await tenantId(t);
  });
  afterAll(() => t.close());

  /** Which of these ids are still in the table. */
  const remaining = async (table: string, ids: string[]): Promise<string[]> =>
    (await t.db.query(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids])).map(
      (r: { id: string }) => r.id,
    );
  const sorted = (ids: string[]) => [...ids].sort();

  /** A row inserted with timestamps given as SQL expressions; returns its id. */
  const token = async (user: FixtureUser, expiresAt: string, usedAt = 'NULL'): Promise<string> => {
    const [row] = await t.db.query(
      `INSERT INTO one_time_tokens (tenant_id, user_id, purpose, token_hash, created_at, expires_at, used_at)
       VALUES ($1, $2, 'password_reset', $3, now() - interval '3 days', ${expiresAt}, ${usedAt}) RETURNING id`,
      [user.tenantId, user.id, randomUUID()],
    );
    return row.id;
  };
  const device = async (user: FixtureUser, expiresAt: string, revokedAt = 'NULL'): Promise<string> => {
    const [row] = await t.db.query(
      `INSERT INTO trusted_devices (tenant_id, user_id, token_hash, created_at, expires_at, revoked_at)
       VALUES ($1, $2, $3, now() - interval '40 days', ${expiresAt}, ${revokedAt}) RETURNING id`,
      [user.tenantId, user.id, randomUUID()],
    );
    return row.id;
  };
  const invitation = async (expiresAt: string, acceptedAt = 'NULL', revokedAt = 'NULL'): Promise<string> => {
    const [row] = await t.db.query(
      `INSERT INTO invitations (tenant_id, email, user_type, token_hash, invited_by, created_at, expires_at, accepted_at, revoked_at)
       VALUES ($1, $2, 'customer', $3, $4, ${expiresAt} - interval '7 days', ${expiresAt}, ${acceptedAt}, ${revokedAt})
       RETURNING id`,
      [defaultTenant, `invitee-${randomUUID()}@example.test`, randomUUID(), adminId],
    );
    return row.id;
  };
  /** A session row of `user` from device "d1" with no location, begun a day before it expires unless `createdAt` says. */
  const session = async (
    user: FixtureUser,
    o: { expiresAt: string; revokedAt?: string; createdAt?: string },
  ): Promise<string> => {
    const [row] = await t.db.query(
      `INSERT INTO user_sessions_v2 (tenant_id, user_id, refresh_token_hash, device_id, created_at, last_active_at, expires_at, revoked_at)
       VALUES ($1, $2, $3, 'd1', ${o.createdAt ?? `${o.expiresAt} - interval '1 day'`},
               ${o.createdAt ?? `${o.expiresAt} - interval '1 day'`}, ${o.expiresAt}, ${o.revokedAt ?? 'NULL'})
       RETURNING id`,
      [user.tenantId, user.id, randomUUID()],
    );
    return row.id;
  };

  it('runs as an hourly scheduled job', () => {
    const job = t.app.get(SchedulerRegistry).getCronJob('expired-rows');
    expect(job).toBeDefined();
    expect(job.nextDate().toJSDate().getTime() - Date.now()).toBeLessThanOrEqual(HOUR_MS);
  });

  it('deletes one-time tokens and codes a day after they expired or were used', async () => {
    const user = await createUser(t);
    const expiredLongAgo = await token(user, `now() - interval '25 hours'`);
    const usedLongAgo = await token(user, `now() - interval '1 hour'`, `now() - interval '25 hours'`);
    const expiredRecently = await token(user, `now() - interval '23 hours'`);
    const usedRecently = await token(user, `now() + interval '1 hour'`, `now() - interval '23 hours'`);
    const live = await token(user, `now() + interval '1 hour'`);

    await purge.purgeExpired();

    expect(
      await remaining('one_time_tokens', [expiredLongAgo, usedLongAgo, expiredRecently, usedRecently, live]),
    ).toEqual(sorted([expiredRecently, usedRecently, live]));
  });

  it('deletes trusted devices a week after they expired or were revoked', async () => {
    const user = await createUser(t);
    const expiredLongAgo = await device(user, `now() - interval '8 days'`);
    const revokedLongAgo = await device(user, `now() + interval '20 days'`, `now() - interval '8 days'`);
    const expiredRecently = await device(user, `now() - interval '6 days'`);
    const revokedRecently = await device(user, `now() + interval '20 days'`, `now() - interval '6 days'`);
    const live = await device(user, `now() + interval '20 days'`);

    await purge.purgeExpired();

    expect(
      await remaining('trusted_devices', [expiredLongAgo, revokedLongAgo, expiredRecently, revokedRecently, live]),
    ).toEqual(sorted([expiredRecently, revokedRecently, live]));
  });

  it('deletes idempotency keys after their 24 hours, answered or not', async () => {
    const key = async (createdAt: string, answered: boolean): Promise<string> => {
      const name = `purge-${randomUUID()}`;
      await t.db.query(
        `INSERT INTO idempotency_keys (tenant_id, actor_id, key, request_hash, status_code, response, created_at)
         VALUES ($1, $2, $3, 'hash', $4, $5, ${createdAt})`,
        [defaultTenant, adminId, name, answered ? 200 : null, answered ? '{"succeeded":[]}' : null],
      );
      return name;
    };
    const answeredLongAgo = await key(`now() - interval '25 hours'`, true);
    const abandonedLongAgo = await key(`now() - interval '25 hours'`, false);
    const answeredRecently = await key(`now() - interval '23 hours'`, true);
    // Unanswered for longer than a claim counts as abandoned (5 minutes), still within the retention.
    const unansweredRecently = await key(`now() - interval '23 hours'`, false);

    await purge.purgeExpired();

    const left = await t.db.query(`SELECT key FROM idempotency_keys WHERE key = ANY($1) ORDER BY key`, [
      [answeredLongAgo, abandonedLongAgo, answeredRecently, unansweredRecently],
    ]);
    expect(left.map((r: { key: string }) => r.key)).toEqual(sorted([answeredRecently, unansweredRecently]));
  });

  it('keeps the key of a bulk operation that is still running, and the retry gets its answer', async () => {
    const target = await createUser(t);
    const key = `running-${randomUUID()}`;
    const body = { operation: 'suspend', userIds: [target.id] };
    const bulk = () =>
      t.request({
        method: 'POST',
        url: '/api/v2/users/bulk-operation',
        body,
        token: admin,
        headers: { 'idempotency-key': key },
      });
    // Holding the target's row makes the operation wait in the middle of its work.
    const holder = t.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM users_v2 WHERE id = $1 FOR UPDATE`, [target.id]);
      const running = bulk();
      const claimed = async () =>
        (await t.db.query(`SELECT response FROM idempotency_keys WHERE key = $1`, [key])).length === 1;
      while (!(await claimed())) await new Promise((r) => setTimeout(r, 20));

      await purge.purgeExpired();
      expect(await claimed()).toBe(true);

      await holder.commitTransaction();
      const first = await running;
      expect(first.status).toBe(200);
      expect(first.body.succeeded).toEqual([target.id]);
      const retry = await bulk();
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('deletes invitations 30 days after they expired, were accepted or revoked; until then they still answer', async () => {
    const expiredLongAgo = await invitation(`now() - interval '31 days'`);
    const acceptedLongAgo = await invitation(`now() - interval '25 days'`, `now() - interval '31 days'`);
    const revokedLongAgo = await invitation(`now() - interval '25 days'`, 'NULL', `now() - interval '31 days'`);
    const expiredRecently = await invitation(`now() - interval '29 days'`);
    const pending = await invitation(`now() + interval '6 days'`);

    await purge.purgeExpired();

    expect(
      await remaining('invitations', [expiredLongAgo, acceptedLongAgo, revokedLongAgo, expiredRecently, pending]),
    ).toEqual(sorted([expiredRecently, pending]));
    const revoke = (id: string) =>
      t.request({ method: 'DELETE', url: `/api/v2/users/invitations/${id}`, token: admin });
    expect((await revoke(expiredRecently)).status).toBe(204);
    expect((await revoke(expiredLongAgo)).status).toBe(404);
    const list = await t.request({ method: 'GET', url: '/api/v2/users/invitations?pageSize=100', token: admin });
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(pending);
  });

  it('deletes sessions 30 days after they expired or were revoked', async () => {
    const user = await createUser(t);
    const expiredLongAgo = await session(user, { expiresAt: `now() - interval '31 days'` });
    // Revoked long before it would have expired (sessions may live long: JWT_EXPIRY_HOURS).
    const revokedLongAgo = await session(user, {
      createdAt: `now() - interval '32 days'`,
      expiresAt: `now() - interval '2 days'`,
      revokedAt: `now() - interval '31 days'`,
    });
    const expiredRecently = await session(user, { expiresAt: `now() - interval '29 days'` });
    const revokedRecently = await session(user, {
      createdAt: `now() - interval '30 days'`,
      expiresAt: `now() + interval '1 day'`,
      revokedAt: `now() - interval '29 days'`,
    });
    const live = await session(user, { expiresAt: `now() + interval '1 day'`, createdAt: 'now()' });

    await purge.purgeExpired();

    expect(
      await remaining('user_sessions_v2', [expiredLongAgo, revokedLongAgo, expiredRecently, revokedRecently, live]),
    ).toEqual(sorted([expiredRecently, revokedRecently, live]));
  });

  it('keeps the sessions that are the login history, so new-device detection still knows the user', async () => {
    const user = await createUser(t);
    const from = (ip: string, userAgent?: string) => ({
      headers: { 'x-forwarded-for': ip, ...(userAgent ? { 'user-agent': userAgent } : {}) },
    });
    const signIn = async (o: ReturnType<typeof from>): Promise<string> => {
      const res = await passwordLogin(t, user, o);
      expect(res.status).toBe(200);
      return res.body.sessionId;
    };
    /** Moves the sessions, in this order, `daysAgo` days back; each ended a day after it began. */
    const age = (ids: string[], daysAgo: number) =>
      t.db.query(
        `UPDATE user_sessions_v2 s
            SET created_at = now() - make_interval(days => $2) + make_interval(mins => o.n::int),
                last_active_at = now() - make_interval(days => $2) + make_interval(mins => o.n::int),
                expires_at = now() - make_interval(days => $2 - 1) + make_interval(mins => o.n::int)
           FROM unnest($1::uuid[]) WITH ORDINALITY AS o(id, n)
          WHERE s.id = o.id`,
        [ids, daysAgo],
      );
    const newDevice = () => auditCount(t, 'auth.login.new_device', user.id);

    const chromeInGermanyFirst = await signIn(from(GERMANY, CHROME_WINDOWS));
    const chromeInGermany = await signIn(from(GERMANY, CHROME_WINDOWS));
    const otherDeviceInBritain = await signIn(from(BRITAIN));
    expect(await newDevice()).toBe(1);
    await age([chromeInGermanyFirst, chromeInGermany, otherDeviceInBritain], 60);

    await purge.purgeExpired();

    // The newest session of each device and country stays; an older one of the same device and country goes.
    const history = [chromeInGermanyFirst, chromeInGermany, otherDeviceInBritain];
    expect(await remaining('user_sessions_v2', history)).toEqual(sorted([chromeInGermany, otherDeviceInBritain]));
    // The user is known: a new country is noticed (a first login would not be), Germany and Chrome are not new.
    const chromeInJapan = await signIn(from(JAPAN, CHROME_WINDOWS));
    expect(await newDevice()).toBe(2);
    const chromeInGermanyAgain = await signIn(from(GERMANY, CHROME_WINDOWS));
    expect(await newDevice()).toBe(2);

    // Once newer sessions of the same device and country end too, the older history row goes.
    await age([chromeInJapan, chromeInGermanyAgain], 40);
    await purge.purgeExpired();
    expect(await remaining('user_sessions_v2', [...history, chromeInJapan, chromeInGermanyAgain])).toEqual(
      sorted([otherDeviceInBritain, chromeInJapan, chromeInGermanyAgain]),
    );
  });

  it('works through a backlog larger than its batch size, and logs one line of counts', async () => {
    await purge.purgeExpired(); // nothing left over from the other tests
    const user = await createUser(t);
    const backlog = 23;
    for (let i = 0; i < backlog; i++) {
      await token(user, `now() - interval '2 days'`);
      await device(user, `now() - interval '8 days'`);
      await invitation(`now() - interval '31 days'`);
      await session(user, { expiresAt: `now() - interval '31 days'` });
      await t.db.query(
        `INSERT INTO idempotency_keys (tenant_id, actor_id, key, request_hash, created_at)
         VALUES ($1, $2, $3, 'hash', now() - interval '25 hours')`,
        [defaultTenant, adminId, `backlog-${randomUUID()}`],
      );
    }
    await session(user, { expiresAt: `now() + interval '1 day'`, createdAt: 'now()' });
    const tokenBatches = jest.spyOn(t.app.get(OneTimeTokensPurgeRepository), 'deleteSpentBefore');
    const log = jest.spyOn(Logger.prototype, 'log');
    try {
      const deleted = await purge.purgeExpired(new Date(), 5);
      const expected = {
        oneTimeTokens: backlog,
        trustedDevices: backlog,
        idempotencyKeys: backlog,
        invitations: backlog,
        sessions: backlog,
      };
      expect(deleted).toEqual(expected);
      expect(tokenBatches.mock.calls.map(([, limit]) => limit)).toEqual([5, 5, 5, 5, 5]);
      expect(await purge.purgeExpired(new Date(), 5)).toEqual({
        oneTimeTokens: 0,
        trustedDevices: 0,
        idempotencyKeys: 0,
        invitations: 0,
        sessions: 0,
      });

      log.mockClear();
      await purge.scheduledPurge();
      expect(log.mock.calls).toEqual([
        [
          { deleted: { oneTimeTokens: 0, trustedDevices: 0, idempotencyKeys: 0, invitations: 0, sessions: 0 } },
          'expired rows purged',
        ],
      ]);
    } finally {
      tokenBatches.mockRestore();
      log.mockRestore();
    }
  });
});
