import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '../support/fixtures';
import { ADMIN_PASSWORD, TestApp, login, startTestApp } from '../support/test-app';

/**
 * A person using Swagger UI at /docs in a real browser: Debian's Chromium (`apt-get install chromium`;
 * .ci/run installs it), headless, driven by playwright-core. Screenshots go to test-artifacts/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const available = chromiumAvailable();
if (!available) {
  console.warn(
    `SKIPPED: the Swagger UI browser test needs Chromium at ${CHROMIUM} (apt-get install -y chromium, ` +
      'or set CHROMIUM_PATH); it could not be found.',
  );
}

(available ? describe : describe.skip)('Swagger UI in a browser', () => {
  let t: TestApp;
  let baseUrl: string;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'dm-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 1600 },
    });
    page = await context.newPage();
    // A CSP that blocked Swagger UI would show here (and as an empty page).
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  async function openDocs(): Promise<void> {
    const response = await page.goto(`${baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.swagger-ui .information-container .title').waitFor();
    await expect(page.locator('.swagger-ui .information-container .title').textContent()).resolves.toContain(
      'DotMac User Management',
    );
  }

  async function authorize(scheme: 'bearer' | 'apiKey', value: string): Promise<void> {
    await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
    const dialog = page.locator('.swagger-ui .dialog-ux .modal-ux');
    await dialog.waitFor();
    const section = dialog.locator('.auth-container').filter({ has: page.locator(`h4:has-text("${scheme}")`) });
    await section.locator('input').fill(value);
    await section.locator('button.authorize').click();
    await section.locator('button:has-text("Logout")').waitFor();
    await dialog.locator('button.close-modal').click();
  }

  async function tryItOut(operationId: string, tag: string): Promise<{ status: string; body: string }> {
    const operation = page.locator(`#operations-${tag}-${operationId}`);
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const row = operation.locator('.live-responses-table tbody tr.response');
    await row.waitFor();
    return {
      status: (await row.locator('.response-col_status').textContent())?.trim() ?? '',
      body: (await row.locator('.response-col_description pre').first().textContent()) ?? '',
    };
  }

  it('authorizes with a bearer token from a real login and runs "Try it out" on GET /api/v2/users/me', async () => {
    const user = await createUser(t, { userType: 'support' });
    const session = await login(t, user.username, user.password);
    await openDocs();
    await authorize('bearer', session.accessToken);
    const result = await tryItOut('UsersController_me', 'users');
    await page.screenshot({ path: join(ARTIFACTS, 'swagger-ui-users-me.png'), fullPage: false });
    expect(result.status).toBe('200');
    expect(JSON.parse(result.body)).toMatchObject({ id: user.id, username: user.username });
    expect(problems).toEqual([]);
  });

  it('persists the authorization across a reload, and authorizes with an X-API-Key too', async () => {
    const admin = await login(t, 'admin', ADMIN_PASSWORD);
    const key = await t.request({
      method: 'POST',
      url: '/api/v2/api-keys',
      token: admin.accessToken,
      body: { name: 'swagger-ui', scopes: ['audit:read'] },
    });
    await openDocs();
    // persistAuthorization: the bearer token of the previous test is still there after a reload.
    await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
    const bearer = page
      .locator('.swagger-ui .dialog-ux .auth-container')
      .filter({ has: page.locator('h4:has-text("bearer")') });
    await bearer.waitFor();
    expect(await bearer.locator('button:has-text("Logout")').count()).toBe(1);
    await bearer.locator('button:has-text("Logout")').click();
    await page.locator('.swagger-ui .dialog-ux button.close-modal').click();

    await authorize('apiKey', key.body.key);
    const result = await tryItOut('AuditController_verify', 'audit');
    await page.screenshot({ path: join(ARTIFACTS, 'swagger-ui-api-key.png') });
    expect(result.status).toBe('200');
    expect(JSON.parse(result.body)).toMatchObject({ intact: true });
    expect(problems).toEqual([]);
  });
});
