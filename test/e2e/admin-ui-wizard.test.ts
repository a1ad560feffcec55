/**
 * End to end in chromium: the first-run wizard for each server type against the local runtime and the Qlik
 * simulators, and the servers page it leads to (first render measured and printed, not asserted).
 */
import { describe, expect, it } from 'vitest';
import { useE2eSession } from '#test/e2e/support/e2e-session.ts';
import {
  ALL_PASSED_CLOUD,
  ALL_PASSED_ONPREM,
  fillCloudForm,
  fillOnPremForm,
  testConnection,
} from '#test/e2e/support/admin-page.ts';
import { screenshot, serversFirstRenderMs } from '#test/e2e/support/browser.ts';
import { expectFirstSyncDone } from '#test/e2e/support/sync-scenario.ts';

describe('first-run wizard (local runtime + Qlik simulators)', () => {
  const s = useE2eSession();

  // A whole wizard run in a real browser, with a connection test and a first sync: slow on a busy 2-core box.
  it('sets up Qlik Sense Enterprise on Windows: type, preparation, fields, test, save, first sync', async () => {
    // Prepare: nothing is configured, so the page opens the wizard by itself.
    await s.page.goto(`${s.stack.runtime.url}/`);
    await s.page.getByRole('heading', { name: 'Which Qlik do you want to connect?' }).waitFor();
    await screenshot(s.page, 'wizard-1-server-type');
    // Act
    await s.page.getByLabel(/Qlik Sense Enterprise on Windows/).check();
    await s.page.getByRole('button', { name: 'Continue' }).click();
    await s.page.getByRole('heading', { name: 'Export the client certificate from the QMC' }).waitFor();
    expect(await s.page.locator('.prepare-list').textContent()).toMatch(/Windows format.*RootAdmin.*4242/s);
    await screenshot(s.page, 'wizard-2-prepare-onprem');
    await s.page.getByRole('button', { name: 'I have these ready' }).click();
    await fillOnPremForm(s.page, s.stack);
    // Saving before a passing test is refused with a sentence, not a disabled button.
    await s.page.getByRole('button', { name: 'Save and sync apps' }).click();
    await expect.poll(() => s.page.getByTestId('error-summary').textContent()).toMatch(/Run Test connection/);
    expect(await testConnection(s.page)).toEqual(ALL_PASSED_ONPREM);
    await screenshot(s.page, 'wizard-3-connect-onprem-tested');
    await s.page.getByRole('button', { name: 'Save and sync apps' }).click();
    // Assess
    await s.page.getByRole('heading', { name: 'Reading the app list from Qlik' }).waitFor();
    const saved = (await (await fetch(`${s.stack.runtime.url}/api/servers/onprem`)).json()) as Record<string, unknown>;
    expect(saved).toMatchObject({
      configured: true,
      displayName: 'Qlik Sense production',
      repositoryPort: s.stack.qse.port,
      certificateHostName: s.stack.qse.machineName,
    });
    await expectFirstSyncDone(s.page);
    await screenshot(s.page, 'wizard-4-first-sync-onprem');
  }, 120_000);

  it('sets up Qlik Cloud: the preparation names this page origin, then fields, test, save, first sync', async () => {
    // Prepare
    await s.stack.reset('onprem');
    await s.page.goto(`${s.stack.runtime.url}/`);
    // Act
    await s.page.getByLabel(/Qlik Cloud/).check();
    await s.page.getByRole('button', { name: 'Continue' }).click();
    await s.page.getByRole('heading', { name: 'Set its consent method to Trusted' }).waitFor();
    // Assess: the web integration must allow exactly the origin the admin is looking at.
    expect(await s.page.getByTestId('page-origin').textContent()).toBe(s.stack.runtime.url);
    expect(await s.page.locator('.prepare-list').textContent()).toMatch(
      /Machine-to-machine.*admin\.apps:read.*webhooks/s,
    );
    await screenshot(s.page, 'wizard-2-prepare-cloud');
    await s.page.getByRole('button', { name: 'I have these ready' }).click();
    await fillCloudForm(s.page, s.stack);
    expect(await testConnection(s.page)).toEqual(ALL_PASSED_CLOUD);
    await screenshot(s.page, 'wizard-3-connect-cloud-tested');
    await s.page.getByRole('button', { name: 'Save and sync apps' }).click();
    await s.page.getByRole('heading', { name: 'Reading the app list from Qlik' }).waitFor();
    const saved = (await (await fetch(`${s.stack.runtime.url}/api/servers/cloud`)).json()) as Record<string, unknown>;
    expect(saved).toMatchObject({
      configured: true,
      displayName: 'Qlik Cloud EU',
      hasClientSecret: true,
      webIntegrationId: s.stack.webIntegrationId,
    });
    await expectFirstSyncDone(s.page);
    await screenshot(s.page, 'wizard-4-first-sync-cloud');
  });

  it('renders the servers page with both cards and reports its first render time', async () => {
    // Act
    await s.page.goto(`${s.stack.runtime.url}/#/servers`);
    const firstRenderMs = await serversFirstRenderMs(s.page);
    // Assess
    console.log(JSON.stringify({ metric: 'admin-ui servers page first render', ms: Math.round(firstRenderMs) }));
    const cloudCard = s.page.locator('[data-server="cloud"]');
    expect(await cloudCard.locator('.badge').first().textContent()).toBe('Configured');
    expect(await cloudCard.textContent()).toMatch(/Reload webhook/);
    expect(await s.page.locator('[data-server="onprem"] .badge').first().textContent()).toBe('Not configured');
    await screenshot(s.page, 'servers');
  });
});
