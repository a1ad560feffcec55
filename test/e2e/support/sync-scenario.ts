/**
 * "Sync apps shows the result and the Qlik Repository lists the apps", against the local runtime and the Qlik
 * Sense simulator: `syncAndBrowseRepository` in admin-ui-edit.test.ts, `expectFirstSyncDone` after "Save and sync
 * apps" in both wizard tests.
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot } from './browser.ts';
import { PFX_PASSWORD, type E2eStack } from './e2e-stack.ts';

/** Saves the simulated site's settings through the API, as an earlier admin session would have. */
export async function configureOnPrem(stack: E2eStack): Promise<void> {
  const current = (await (await fetch(`${stack.runtime.url}/api/servers/onprem`)).json()) as {
    configured: boolean;
    version: number;
  };
  const res = await fetch(`${stack.runtime.url}/api/servers/onprem`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      displayName: 'Qlik Sense production',
      url: stack.qse.proxy.url,
      userDirectory: 'INTERNAL',
      serviceAccountUser: 'sa_kpimailer',
      certificate: { fileName: 'client.pfx', contentBase64: stack.pfx.toString('base64') },
      certificatePassword: PFX_PASSWORD,
      certificateHostName: stack.qse.machineName,
      repositoryPort: stack.qse.port,
      proxyApiPort: stack.qse.proxy.apiPort,
      ...(current.configured ? { version: current.version } : {}),
    }),
  });
  if (res.status !== 200) throw new Error(`Saving the on-prem settings answered ${res.status}: ${await res.text()}`);
}

export async function syncAndBrowseRepository(page: Page, stack: E2eStack): Promise<void> {
  // Prepare: two streams of named apps and one unpublished app on the simulated site.
  const finance = stack.qse.state.addStream({ name: 'Finance' });
  const sales = stack.qse.state.addStream({ name: 'Sales' });
  stack.qse.state.addApp({ name: 'Margin analysis', stream: finance });
  stack.qse.state.addApp({ name: 'Cash flow', stream: finance });
  stack.qse.state.addApp({ name: 'Pipeline', stream: sales });
  stack.qse.state.addApp({ name: 'Draft ideas', stream: null });
  await configureOnPrem(stack);
  await page.goto(`${stack.runtime.url}/#/servers`);
  const card = page.locator('[data-server="onprem"]');
  // Act
  await card.getByRole('button', { name: /Sync apps/ }).click();
  // Assess: the card follows the sync until lastSync changes, then shows its result.
  await expect
    .poll(
      () =>
        card
          .getByTestId('sync-result')
          .textContent()
          .catch(() => ''),
      { timeout: 30_000 },
    )
    .toMatch(/Succeeded.*\d+ apps \(\d+ added/);
  await screenshot(page, 'servers-after-sync');
  await card.getByRole('link', { name: /View apps/ }).click();
  await expect
    .poll(() => page.locator('.app-group__title').allTextContents())
    .toEqual(expect.arrayContaining([expect.stringMatching(/^Finance/), expect.stringMatching(/^Sales/)]));
  const financeApps = page
    .locator('section.app-group', { has: page.getByRole('heading', { name: /^Finance/ }) })
    .locator('.app-row__name');
  expect(await financeApps.allTextContents()).toEqual(expect.arrayContaining(['Margin analysis', 'Cash flow']));
  await screenshot(page, 'repository');
  await page.getByLabel('Search apps by name').fill('Cash');
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('.app-row__name').allTextContents()).toEqual(['Cash flow']);
}

/** The wizard's last step once the first sync has run: the result and the way on. */
export async function expectFirstSyncDone(page: Page): Promise<void> {
  await page.getByTestId('wizard-done').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('sync-result').textContent()).toMatch(/Succeeded.*\d+ apps \(\d+ added/);
}
