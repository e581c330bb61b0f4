import { InvalidToken } from '../src/auth/keys/signing-keys';
import { TokenService } from '../src/auth/token.service';
import { createUser } from './support/fixtures';
import { TestApp, startTestApp } from './support/test-app';

/** Verified access tokens are remembered by their text, but never past their expiry. */
describe('Access-token verification cache', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  afterEach(() => jest.useRealTimers());

  it('a token verified once is refused once it has expired', async () => {
    const user = await createUser(t);
    const tokens = t.app.get(TokenService);
    const { token, expiresIn } = await tokens.signAccess({
      userId: user.id,
      tenantId: user.tenantId,
      userType: user.userType,
      sessionId: '00000000-0000-4000-8000-000000000001',
      sessionExpiresAt: new Date(Date.now() + 60_000),
    });
    expect((await tokens.verifyAccess(token)).sub).toBe(user.id);
    expect((await tokens.verifyAccess(token)).sub).toBe(user.id);

    jest.useFakeTimers({ now: Date.now() + (expiresIn + 1) * 1000, doNotFake: ['nextTick', 'setImmediate'] });
    await expect(tokens.verifyAccess(token)).rejects.toBeInstanceOf(InvalidToken);
  });

  it('a token that differs by one character is verified on its own, and refused', async () => {
    const user = await createUser(t);
    const tokens = t.app.get(TokenService);
    const { token } = await tokens.signAccess({
      userId: user.id,
      tenantId: user.tenantId,
      userType: user.userType,
      sessionId: '00000000-0000-4000-8000-000000000002',
      sessionExpiresAt: new Date(Date.now() + 60_000),
    });
    await tokens.verifyAccess(token);
    // The signature's first character: all six of its bits count (the last one's lowest bits are padding).
    const at = token.lastIndexOf('.') + 1;
    const changed = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    await expect(tokens.verifyAccess(changed)).rejects.toBeInstanceOf(InvalidToken);
  });
});
