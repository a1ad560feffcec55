/**
 * Browser tests of the admin page's behaviour against the in-memory mock API: what the real stack cannot stage
 * on demand (a concurrent save, a long sync with progress, many pages of apps) and the narrow-screen layout.
 * The end-to-end flows against the local runtime and the Qlik simulators are in admin-ui.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildAdminUi } from '#lib/admin-ui/build-admin-ui.ts';
import { launchChromium, openPage, screenshot } from '#test/e2e/support/browser.ts';
import { MOCK_CERTIFICATE_PASSWORD, startMockAdminApi, type MockAdminApi } from '#test/e2e/support/mock-admin-api.ts';

describe('admin page behaviour (mock API)', () => {
  let dir: string;
  let browser: Browser;
  let api: MockAdminApi;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admin-ui-mock-'));
    await buildAdminUi(dir);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    api = await startMockAdminApi({ assetsDir: dir, syncSteps: 4, stepMs: 500, appCount: 60, testDelayMs: 700 });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page, problems } = await openPage(context));
  });
  afterEach(async () => {
    await context.close();
    await api.close();
    expect(problems).toEqual([]);
  });

  /** Saves the on-prem server through the page so the mock holds a configured server. */
  async function configureOnPrem(): Promise<void> {
    await page.goto(`${api.url}/#/servers/onprem`);
    await page.getByLabel('Server URL').fill('https://qlik.example.com');
    await page.getByLabel('User directory').fill('INTERNAL');
    await page.getByLabel('Service account user').fill('sa_kpimailer');
    await page
      .getByLabel('Client certificate')
      .setInputFiles({ name: 'client.pfx', mimeType: 'application/x-pkcs12', buffer: Buffer.from('not really a pfx') });
    await page.getByLabel('Certificate password').fill(MOCK_CERTIFICATE_PASSWORD);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('saved').waitFor();
  }

  it('tells the admin to reload when someone else saved in between, and keeps nothing half-saved', async () => {
    // Prepare
    await configureOnPrem();
    api.bumpVersion('onprem');
    // Act
    await page.getByLabel('Display name').fill('Renamed');
    await page.getByRole('button', { name: 'Save' }).click();
    // Assess
    await expect.poll(() => page.getByTestId('conflict').textContent()).toMatch(/changed by someone else/);
    await screenshot(page, 'mock-edit-conflict');
    await page.getByRole('button', { name: 'Reload settings' }).click();
    await expect.poll(() => page.getByLabel('Display name').inputValue()).toBe('Qlik Sense Enterprise');
  });

  it('shows sync progress until lastSync changes, and answers a second press politely', async () => {
    // Prepare
    await configureOnPrem();
    await page.goto(`${api.url}/#/servers`);
    const card = page.locator('[data-server="onprem"]');
    // Act
    await card.getByRole('button', { name: 'Sync apps' }).click();
    await card.getByTestId('sync-progress').waitFor();
    await screenshot(page, 'mock-servers-sync-running');
    await card.getByRole('button', { name: 'Syncing…' }).click();
    // Assess
    await expect.poll(() => card.getByTestId('sync-notice').textContent()).toMatch(/already running/);
    await expect
      .poll(() => card.getByTestId('sync-result').textContent(), { timeout: 10_000 })
      .toMatch(/60 apps \(60 added/);
    // The announcer clears and re-sets its text after 50 ms so a repeated message is read again: poll for it.
    await expect.poll(() => page.getByTestId('announcer').textContent()).toMatch(/Sync finished/);
  });

  it('lists apps grouped by stream, pages through them and searches by name', async () => {
    // Prepare
    await configureOnPrem();
    await page.goto(`${api.url}/#/repository/onprem`);
    await page.getByRole('button', { name: 'Sync apps' }).click();
    await page.getByTestId('sync-result').waitFor({ timeout: 10_000 });
    // Act + Assess
    await expect
      .poll(() => page.getByTestId('results-status').textContent())
      .toMatch(/25 apps on page 1; more on the next page/);
    expect(await page.locator('.app-group__title').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Finance/), expect.stringMatching(/^Not published/)]),
    );
    await screenshot(page, 'mock-repository');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.getByTestId('results-status').textContent()).toMatch(/on page 2/);
    await page.getByLabel('Search apps by name').fill('Margin dashboard 2');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('results-status').textContent()).toMatch(/matching “Margin dashboard 2”/);
    expect(await page.locator('.app-row__name').allTextContents()).toEqual(
      expect.arrayContaining(['Margin dashboard 2', 'Margin dashboard 26']),
    );
  });

  it('shows every check as pending while the test runs, then each outcome with its message', async () => {
    // Prepare
    await page.goto(`${api.url}/#/servers/onprem`);
    await page.getByLabel('Server URL').fill('https://qlik.example.com');
    await page.getByLabel('User directory').fill('INTERNAL');
    await page.getByLabel('Service account user').fill('someone');
    // Act
    await page.getByRole('button', { name: 'Test connection' }).click();
    // Assess
    await expect.poll(() => page.locator('li.check[data-status="pending"]').count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Testing…' }).isDisabled()).toBe(true);
    await page.getByTestId('test-outcome').waitFor();
    const statuses = await page
      .locator('li.check')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(statuses).toEqual(['passed', 'failed', 'skipped', 'skipped', 'skipped']);
    expect(await page.locator('li.check[data-check="Authentication"] .check__message').textContent()).toMatch(
      /Upload the client certificate/,
    );
    await expect
      .poll(() => page.getByTestId('announcer').textContent())
      .toMatch(/Connection test failed at Authentication/);
    // The test ran on the unsaved values.
    expect(api.bodies.find((b) => b.path === '/api/servers/onprem/test')?.body).toMatchObject({
      serviceAccountUser: 'someone',
    });
  });

  it('badges a certificate from 30 days before expiry and once expired, and says why a webhook is disabled', async () => {
    // Prepare
    await configureOnPrem();
    api.state.cloud.configured = true;
    api.state.cloud.settings = { displayName: 'Qlik Cloud EU', url: 'https://acme.eu.qlikcloud.com' };
    const card = page.locator('[data-server="onprem"]');
    // Act + Assess: 20 days left (the mock's certificate) is a warning.
    await page.goto(`${api.url}/#/servers`);
    await page.reload();
    expect(await card.locator('.badge--warning').textContent()).toMatch(/Expires in 20 days/);
    expect(await page.locator('[data-server="cloud"]').textContent()).toMatch(/Disabled.*5 failed deliveries/);
    await screenshot(page, 'mock-servers-expiry-warning-webhook-disabled');
    api.state.onprem.certificate = {
      ...api.state.onprem.certificate,
      notAfter: new Date(Date.now() - 86_400_000).toISOString(),
    };
    await page.reload();
    expect(await card.locator('.badge--error').textContent()).toMatch(/Expired on/);
    api.state.onprem.certificate = {
      ...api.state.onprem.certificate,
      notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString(),
    };
    await page.reload();
    expect(await card.locator('.card__facts .badge--ok').textContent()).toMatch(/Valid until/);
  });

  it("shows a sync's warning next to its result (removals skipped because Qlik's list moved)", async () => {
    // Prepare
    await configureOnPrem();
    const at = new Date().toISOString();
    const warning = "Qlik's app list changed during the sync, so no apps were removed; the next sync removes them.";
    api.state.onprem.lastSync = {
      at,
      status: 'succeeded',
      added: 3,
      updated: 0,
      removed: 0,
      total: 3,
      error: null,
      warning,
    };
    // Act
    await page.goto(`${api.url}/#/servers`);
    await page.reload();
    // Assess
    expect(await page.locator('[data-server="onprem"]').getByTestId('sync-warning').textContent()).toContain(warning);
  });

  it('fits a 375 px wide screen without sideways scrolling', async () => {
    // Prepare
    await configureOnPrem();
    await page.setViewportSize({ width: 375, height: 800 });
    for (const [hash, name] of [
      ['#/servers', 'mock-servers-375'],
      ['#/servers/onprem', 'mock-edit-375'],
      ['#/setup', 'mock-wizard-375'],
    ] as const) {
      // Act
      await page.goto(`${api.url}/${hash}`);
      await page.locator('#page-title').waitFor();
      await page.waitForLoadState('networkidle');
      // Assess
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, hash).toBeLessThanOrEqual(0);
      await screenshot(page, name);
    }
  });
});
