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
    api = await startMockAdminApi({ assetsDir: dir, syncSteps: 4, stepMs: 500, appCount: 60 });
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
    await page.getByLabel('Client certificate').setInputFiles({ name: 'client.pfx', mimeType: 'application/x-pkcs12', buffer: Buffer.from('not really a pfx') });
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
    await expect.poll(() => card.getByTestId('sync-result').textContent(), { timeout: 10_000 }).toMatch(/60 apps \(60 added/);
    expect(await page.getByTestId('announcer').textContent()).toMatch(/Sync finished/);
  });

  it('lists apps grouped by stream, pages through them and searches by name', async () => {
    // Prepare
    await configureOnPrem();
    await page.goto(`${api.url}/#/repository/onprem`);
    await page.getByRole('button', { name: 'Sync apps' }).click();
    await page.getByTestId('sync-result').waitFor({ timeout: 10_000 });
    // Act + Assess
    await expect.poll(() => page.getByTestId('results-status').textContent()).toMatch(/25 apps on page 1; more on the next page/);
    expect(await page.locator('.app-group__title').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Finance/), expect.stringMatching(/^Not published/)]));
    await screenshot(page, 'mock-repository');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.getByTestId('results-status').textContent()).toMatch(/on page 2/);
    await page.getByLabel('Search apps by name').fill('Margin dashboard 2');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('results-status').textContent()).toMatch(/matching “Margin dashboard 2”/);
    expect(await page.locator('.app-row__name').allTextContents()).toEqual(expect.arrayContaining(['Margin dashboard 2', 'Margin dashboard 26']));
  });

  it('fits a 375 px wide screen without sideways scrolling', async () => {
    // Prepare
    await configureOnPrem();
    await page.setViewportSize({ width: 375, height: 800 });
    for (const [hash, name] of [['#/servers', 'mock-servers-375'], ['#/servers/onprem', 'mock-edit-375'], ['#/setup', 'mock-wizard-375']] as const) {
      // Act
      await page.goto(`${api.url}/${hash}`);
      await page.locator('#page-title').waitFor();
      await page.waitForLoadState('networkidle');
      // Assess
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, hash).toBeLessThanOrEqual(0);
      await screenshot(page, name);
    }
  });
});
