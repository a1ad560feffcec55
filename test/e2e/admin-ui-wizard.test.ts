/**
 * End to end in chromium: the first-run wizard for each server type against the local runtime and the Qlik
 * simulators, and the servers page it leads to (first render measured and printed, not asserted).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_PASSED_CLOUD, ALL_PASSED_ONPREM, fillCloudForm, fillOnPremForm, testConnection } from '#test/e2e/support/admin-page.ts';
import { launchChromium, openPage, screenshot, serversFirstRenderMs } from '#test/e2e/support/browser.ts';
import { startE2eStack, type E2eStack } from '#test/e2e/support/e2e-stack.ts';
import { expectFirstSyncDone } from '#test/e2e/support/sync-scenario.ts';

describe('first-run wizard (local runtime + Qlik simulators)', () => {
  let stack: E2eStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    stack = await startE2eStack();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page, problems } = await openPage(context));
  });
  afterEach(async () => {
    await context.close();
    expect(problems).toEqual([]);
  });

  it('sets up Qlik Sense Enterprise on Windows: type, preparation, fields, test, save, first sync', async () => {
    // Prepare: nothing is configured, so the page opens the wizard by itself.
    await page.goto(`${stack.runtime.url}/`);
    await page.getByRole('heading', { name: 'Which Qlik do you want to connect?' }).waitFor();
    await screenshot(page, 'wizard-1-server-type');
    // Act
    await page.getByLabel(/Qlik Sense Enterprise on Windows/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Export the client certificate from the QMC' }).waitFor();
    expect(await page.locator('.prepare-list').textContent()).toMatch(/Windows format.*RootAdmin.*4242/s);
    await screenshot(page, 'wizard-2-prepare-onprem');
    await page.getByRole('button', { name: 'I have these ready' }).click();
    await fillOnPremForm(page, stack);
    // Saving before a passing test is refused with a sentence, not a disabled button.
    await page.getByRole('button', { name: 'Save and sync apps' }).click();
    await expect.poll(() => page.getByTestId('error-summary').textContent()).toMatch(/Run Test connection/);
    expect(await testConnection(page)).toEqual(ALL_PASSED_ONPREM);
    await screenshot(page, 'wizard-3-connect-onprem-tested');
    await page.getByRole('button', { name: 'Save and sync apps' }).click();
    // Assess
    await page.getByRole('heading', { name: 'Reading the app list from Qlik' }).waitFor();
    const saved = (await (await fetch(`${stack.runtime.url}/api/servers/onprem`)).json()) as Record<string, unknown>;
    expect(saved).toMatchObject({ configured: true, displayName: 'Qlik Sense production', repositoryPort: stack.qse.port, certificateHostName: stack.qse.machineName });
    await expectFirstSyncDone(page);
    await screenshot(page, 'wizard-4-first-sync-onprem');
  });

  it('sets up Qlik Cloud: the preparation names this page origin, then fields, test, save, first sync', async () => {
    // Prepare
    await stack.reset('onprem');
    await page.goto(`${stack.runtime.url}/`);
    // Act
    await page.getByLabel(/Qlik Cloud/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Set its consent method to Trusted' }).waitFor();
    // Assess: the web integration must allow exactly the origin the admin is looking at.
    expect(await page.getByTestId('page-origin').textContent()).toBe(stack.runtime.url);
    expect(await page.locator('.prepare-list').textContent()).toMatch(/Machine-to-machine.*admin\.apps:read.*webhooks/s);
    await screenshot(page, 'wizard-2-prepare-cloud');
    await page.getByRole('button', { name: 'I have these ready' }).click();
    await fillCloudForm(page, stack);
    expect(await testConnection(page)).toEqual(ALL_PASSED_CLOUD);
    await screenshot(page, 'wizard-3-connect-cloud-tested');
    await page.getByRole('button', { name: 'Save and sync apps' }).click();
    await page.getByRole('heading', { name: 'Reading the app list from Qlik' }).waitFor();
    const saved = (await (await fetch(`${stack.runtime.url}/api/servers/cloud`)).json()) as Record<string, unknown>;
    expect(saved).toMatchObject({ configured: true, displayName: 'Qlik Cloud EU', hasClientSecret: true, webIntegrationId: stack.webIntegrationId });
    await expectFirstSyncDone(page);
    await screenshot(page, 'wizard-4-first-sync-cloud');
  });

  it('renders the servers page with both cards and reports its first render time', async () => {
    // Act
    await page.goto(`${stack.runtime.url}/#/servers`);
    const firstRenderMs = await serversFirstRenderMs(page);
    // Assess
    console.log(JSON.stringify({ metric: 'admin-ui servers page first render', ms: Math.round(firstRenderMs) }));
    const cloudCard = page.locator('[data-server="cloud"]');
    expect(await cloudCard.locator('.badge').first().textContent()).toBe('Configured');
    expect(await cloudCard.textContent()).toMatch(/Reload webhook/);
    expect(await page.locator('[data-server="onprem"] .badge').first().textContent()).toBe('Not configured');
    await screenshot(page, 'servers');
  });
});
