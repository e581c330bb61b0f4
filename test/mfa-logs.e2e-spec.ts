import { createUser } from './support/fixtures';
import { TestApp, login, startTestApp } from './support/test-app';
import { enrolTotp, lastMessage, passwordLogin, post } from './mfa.support';

describe('MFA secrets in the log', () => {
  let t: TestApp;
  const written: string[] = [];
  beforeAll(async () => {
    // Everything the logger writes, at the most verbose level: with process.stdout.write replaced, pino
    // writes through it instead of straight to file descriptor 1.
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    t = await startTestApp({ LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    await t.close();
    jest.restoreAllMocks();
  });

  it('never logs a TOTP secret, a backup code or a one-time code', async () => {
    const user = await createUser(t);
    const session = await login(t, user.username, user.password);
    const { secret, backupCodes } = await enrolTotp(t, session.accessToken);
    const step = await passwordLogin(t, user);
    await post(t, '/auth/mfa/challenge', { mfaToken: step.body.mfaToken, code: backupCodes[0] });
    const setup = await post(
      t,
      '/auth/mfa/setup',
      { method: 'email', password: user.password },
      { token: session.accessToken },
    );
    expect(setup.status).toBe(200);
    const code = lastMessage(t, user.email, 'mfa_code')!.code!;
    await post(t, '/auth/mfa/verify', { method: 'email', code }, { token: session.accessToken });

    const log = written.join('');
    expect(log).toContain('/auth/mfa/verify');
    for (const needle of [secret, ...backupCodes, code, step.body.mfaToken, user.password])
      expect(log).not.toContain(needle);
  });
});
