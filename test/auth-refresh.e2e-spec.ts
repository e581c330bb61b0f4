import { randomBytes } from 'node:crypto';
import { createUser } from './support/fixtures';
import { TestApp, Tokens, login, startTestApp } from './support/test-app';

const REFRESH = '/api/v2/auth/refresh';

function helpers(get: () => TestApp) {
  const refresh = (refreshToken: string) => get().request({ method: 'POST', url: REFRESH, body: { refreshToken } });
  const me = (token: string) => get().request({ method: 'GET', url: '/api/v2/users/me', token });
  const session = async (id: string) =>
    (
      await get().db.query(
        `SELECT revoked_at, revoked_reason, last_issued_pair_enc FROM user_sessions_v2 WHERE id = $1`,
        [id],
      )
    )[0];
  const reuseAudits = async (sessionId: string) =>
    (
      await get().db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.token.reuse_detected' AND metadata->>'sessionId' = $1`,
        [sessionId],
      )
    )[0].n as number;
  return { refresh, me, session, reuseAudits };
}

describe('Auth: refresh without a grace period (REFRESH_REUSE_GRACE_SECONDS=0, the default)', () => {
  let t: TestApp;
  const { refresh, me, session, reuseAudits } = helpers(() => t);
  let s: Tokens;
  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    const user = await createUser(t);
    s = await login(t, user.username, user.password);
  });
  afterAll(() => t.close());

  it('returns a new pair whose access token works, and keeps no copy of it', async () => {
    const r = await refresh(s.refreshToken);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^rt_/),
      tokenType: 'Bearer',
      expiresIn: 900,
      sessionId: s.sessionId,
    });
    expect(r.body.refreshToken).not.toBe(s.refreshToken);
    expect((await me(r.body.accessToken)).status).toBe(200);
    expect((await session(s.sessionId)).last_issued_pair_enc).toBeNull();
  });

  it('a retry with the token just spent is reuse: 401 and the session is revoked', async () => {
    const r1 = await refresh(s.refreshToken);
    const retry = await refresh(s.refreshToken);
    expect(retry.status).toBe(401);
    expect((await me(r1.body.accessToken)).status).toBe(401);
    expect((await session(s.sessionId)).revoked_reason).toBe('refresh_token_reuse');
    expect(await reuseAudits(s.sessionId)).toBe(1);
  });

  it('recognises a spent token of any generation: a thief who rotated twice still loses the session', async () => {
    // The thief takes the first token and rotates it twice before the victim presents it.
    const thief1 = await refresh(s.refreshToken);
    const thief2 = await refresh(thief1.body.refreshToken);
    expect(thief2.status).toBe(200);
    const victim = await refresh(s.refreshToken);
    expect(victim.status).toBe(401);
    expect((await me(thief2.body.accessToken)).status).toBe(401);
    expect((await refresh(thief2.body.refreshToken)).status).toBe(401);
    expect(await reuseAudits(s.sessionId)).toBe(1);
  });

  it('of two concurrent refreshes with one token, at most one gets a pair', async () => {
    const results = await Promise.all([refresh(s.refreshToken), refresh(s.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('under concurrent load (rotations share statements), each token rotates once, audited with its own request', async () => {
    const others = [];
    for (let i = 0; i < 7; i++) {
      const user = await createUser(t);
      others.push(await login(t, user.username, user.password));
    }
    const sessions = [s, ...others];
    // Every token twice at once: one presentation rotates it, the other is reuse and ends that session.
    const results = await Promise.all(sessions.flatMap((x) => [refresh(x.refreshToken), refresh(x.refreshToken)]));
    for (const [i, x] of sessions.entries()) {
      const pair = results.slice(2 * i, 2 * i + 2);
      expect(pair.map((r) => r.status).sort()).toEqual([200, 401]);
      const won = pair.find((r) => r.status === 200)!;
      expect(won.body.sessionId).toBe(x.sessionId);
      const entries = await t.db.query(
        `SELECT request_id FROM audit_log WHERE action = 'auth.token.refreshed' AND metadata->>'sessionId' = $1`,
        [x.sessionId],
      );
      expect(entries).toEqual([{ request_id: won.headers['x-request-id'] }]);
    }
  });

  it('refuses tokens it did not issue without touching any session', async () => {
    const forged = `rt_${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    for (const token of ['rt_garbage', forged, `${s.refreshToken}x`, 'x'.repeat(200)]) {
      expect((await refresh(token)).status).toBe(401);
    }
    expect((await me(s.accessToken)).status).toBe(200);
  });

  it('a logged-out session cannot be refreshed', async () => {
    await t.request({ method: 'POST', url: '/api/v2/auth/logout', token: s.accessToken });
    expect((await refresh(s.refreshToken)).status).toBe(401);
  });

  it('audits every rotation', async () => {
    await refresh(s.refreshToken);
    const [row] = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.token.refreshed' AND metadata->>'sessionId' = $1`,
      [s.sessionId],
    );
    expect(row.n).toBe(1);
  });
});

describe('Auth: refresh with a grace period (REFRESH_REUSE_GRACE_SECONDS=30)', () => {
  let t: TestApp;
  const { refresh, me, session, reuseAudits } = helpers(() => t);
  let s: Tokens;
  beforeAll(async () => {
    t = await startTestApp({ REFRESH_REUSE_GRACE_SECONDS: '30' });
  });
  beforeEach(async () => {
    const user = await createUser(t);
    s = await login(t, user.username, user.password);
  });
  afterAll(() => t.close());

  it('a retry with the previous token within the window gets the very same pair, which keeps working', async () => {
    const first = await refresh(s.refreshToken);
    const retry = await refresh(s.refreshToken);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect((await me(first.body.accessToken)).status).toBe(200);
    expect((await refresh(first.body.refreshToken)).status).toBe(200);
    expect(await reuseAudits(s.sessionId)).toBe(0);
  });

  it('concurrent refreshes with one token all get the same pair', async () => {
    const results = await Promise.all([refresh(s.refreshToken), refresh(s.refreshToken), refresh(s.refreshToken)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results[1].body).toEqual(results[0].body);
    expect(results[2].body).toEqual(results[0].body);
  });

  it('keeps the issued pair only encrypted', async () => {
    const first = await refresh(s.refreshToken);
    const stored = (await session(s.sessionId)).last_issued_pair_enc as string;
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(first.body.refreshToken);
    expect(stored).not.toContain(first.body.accessToken.split('.')[1]);
  });

  it('after the window, the previous token is reuse: 401 and the session is revoked', async () => {
    const first = await refresh(s.refreshToken);
    await t.db.query(`UPDATE user_sessions_v2 SET rotated_at = now() - interval '31 seconds' WHERE id = $1`, [
      s.sessionId,
    ]);
    expect((await refresh(s.refreshToken)).status).toBe(401);
    expect((await me(first.body.accessToken)).status).toBe(401);
    expect(await reuseAudits(s.sessionId)).toBe(1);
  });

  it('never hands out a second, different pair: a token two rotations old is reuse even within the window', async () => {
    const p1 = await refresh(s.refreshToken);
    const p2 = await refresh(p1.body.refreshToken);
    expect(p2.status).toBe(200);
    expect((await refresh(s.refreshToken)).status).toBe(401);
    expect((await me(p2.body.accessToken)).status).toBe(401);
  });
});
