/**
 * End to end in chromium against the local runtime and the Qlik simulators: editing a server, testing the
 * unsaved values, the field errors of a save, secrets kept out of the page, and a keyboard-only pass.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_PASSED_ONPREM, checkMessage, expectNoSecret, fillCloudForm, fillOnPremForm, testConnection } from '#test/e2e/support/admin-page.ts';
import { launchChromium, openPage, screenshot } from '#test/e2e/support/browser.ts';
import { CLIENT_SECRET, PFX_PASSWORD, startE2eStack, type E2eStack } from '#test/e2e/support/e2e-stack.ts';
import { syncAndBrowseRepository } from '#test/e2e/support/sync-scenario.ts';

describe('editing a Qlik server (local runtime + Qlik simulators)', () => {
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

  const openEdit = async (id: 'onprem' | 'cloud') => {
    await page.goto(`${stack.runtime.url}/#/servers/${id}`);
    await page.locator('form.server-form').waitFor();
  };

  it('tests unsaved values: a failing check shows its message, the fix passes, then saves', async () => {
    // Prepare
    await openEdit('onprem');
    await fillOnPremForm(page, stack, { serviceAccountUser: 'nobody' });
    // Act
    const failed = await testConnection(page);
    // Assess
    expect(failed).toEqual({ 'Server reachable': 'passed', Authentication: 'passed', 'User exists': 'failed', RootAdmin: 'skipped', 'Virtual proxy ready': 'skipped' });
    expect(await checkMessage(page, 'User exists')).toMatch(/nobody/);
    await screenshot(page, 'edit-onprem-check-failed');
    await page.getByLabel('Service account user').fill('sa_kpimailer');
    expect(await testConnection(page)).toEqual(ALL_PASSED_ONPREM);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved').waitFor();
    // The stored certificate's subject and expiry come back from the service, not from the file chosen.
    expect(await page.getByTestId('stored-certificate').textContent()).toMatch(/CN=QlikClient.*Valid until/);
    expect(await page.getByLabel('Certificate password').inputValue()).toBe('');
    expect(await page.locator('[data-field="certificatePassword"] .field__hint').textContent()).toMatch(/Leave blank to keep the current one/);
    await screenshot(page, 'edit-onprem-saved');
  });

  it('keeps secrets out of the page HTML, the URL and browser storage, after load and after save', async () => {
    // Prepare
    const pfxSample = stack.pfx.toString('base64').slice(200, 260);
    await openEdit('onprem');
    await fillOnPremForm(page, stack);
    await expectNoSecret(page, PFX_PASSWORD, 'with the password typed');
    await expectNoSecret(page, pfxSample, 'with the certificate chosen');
    // Act
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved').waitFor();
    // Assess
    await expectNoSecret(page, PFX_PASSWORD, 'after saving on-prem');
    await expectNoSecret(page, pfxSample, 'after saving on-prem');
    await page.reload();
    await page.locator('form.server-form').waitFor();
    await expectNoSecret(page, PFX_PASSWORD, 'after reloading on-prem');

    await openEdit('cloud');
    await fillCloudForm(page, stack);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved').waitFor();
    await expectNoSecret(page, CLIENT_SECRET, 'after saving cloud');
    expect(await page.getByLabel('OAuth client secret').inputValue()).toBe('');
    await page.reload();
    await page.locator('form.server-form').waitFor();
    await expectNoSecret(page, CLIENT_SECRET, 'after reloading cloud');
    expect(await page.locator('[data-field="oauthClientSecret"] .field__hint').textContent()).toMatch(/Leave blank to keep the current one/);
    await screenshot(page, 'edit-cloud-saved');
  });

  it('shows the wrong certificate password next to its field and keeps the values typed', async () => {
    // Prepare
    await openEdit('onprem');
    await fillOnPremForm(page, stack, { password: 'not-the-password' });
    await page.getByLabel('Display name').fill('Renamed but not saved');
    // Act
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // Assess
    const fieldError = page.locator('[data-field="certificatePassword"] .field__error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/password/i);
    expect(await page.getByLabel('Certificate password').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Certificate password').getAttribute('aria-describedby')).toContain('certificatePassword-error');
    expect(await page.getByTestId('error-summary').getAttribute('role')).toBe('alert');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('error-summary');
    expect(await page.getByLabel('Display name').inputValue()).toBe('Renamed but not saved');
    await screenshot(page, 'edit-onprem-wrong-password');
  });

  it('works with the keyboard only: every control labelled and reachable by Tab, saved with Enter', async () => {
    // Prepare
    await openEdit('onprem');
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>('form.server-form input')].filter((i) => !i.labels?.length).map((i) => i.name),
    );
    expect(unlabelled).toEqual([]);
    await page.locator('#page-title').focus();
    // Act: tab through the whole form, recording what receives focus and whether it is visibly marked.
    const visited: string[] = [];
    for (let i = 0; i < 40 && !visited.includes('button:Save'); i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const ring = getComputedStyle(el).boxShadow !== 'none' || getComputedStyle(el).outlineStyle !== 'none';
        const name = el.getAttribute('name') ?? (el.tagName === 'SUMMARY' ? 'summary' : `${el.tagName.toLowerCase()}:${el.textContent?.trim()}`);
        return { name, ring };
      });
      expect(focused.ring, `${focused.name} shows focus`).toBe(true);
      visited.push(focused.name);
    }
    // Assess
    const order = ['displayName', 'url', 'userDirectory', 'serviceAccountUser', 'maxParallelExecutions', 'certificate', 'certificatePassword', 'rootCertificate', 'certificateHostName', 'allowUntrustedServerCertificate', 'summary', 'button:Test connection', 'button:Save'];
    expect(visited.filter((name) => order.includes(name))).toEqual(order);
    // Change a value, open the advanced ports and save, all from the keyboard.
    await page.getByLabel('Display name').focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Qlik Sense (keyboard)');
    await page.locator('summary').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('repositoryPort');
    await page.getByRole('button', { name: 'Save', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('saved').waitFor();
    expect(await page.locator('#page-title').textContent()).toBe('Edit Qlik Sense (keyboard)');
    await screenshot(page, 'edit-onprem-keyboard');
  });

  it('Sync apps shows the result and the Qlik Repository lists the apps by stream', () => syncAndBrowseRepository(page, stack));
});
