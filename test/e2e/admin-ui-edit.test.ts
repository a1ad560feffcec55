/**
 * End to end in chromium against the local runtime and the Qlik simulators: editing a server, testing the
 * unsaved values, the field errors of a save, secrets kept out of the page, and a keyboard-only pass.
 */
import { describe, expect, it } from 'vitest';
import { useE2eSession } from '#test/e2e/support/e2e-session.ts';
import {
  ALL_PASSED_ONPREM,
  checkMessage,
  expectNoSecret,
  fillCloudForm,
  fillOnPremForm,
  testConnection,
} from '#test/e2e/support/admin-page.ts';
import { screenshot } from '#test/e2e/support/browser.ts';
import { CLIENT_SECRET, PFX_PASSWORD } from '#test/e2e/support/e2e-stack.ts';
import { syncAndBrowseRepository } from '#test/e2e/support/sync-scenario.ts';

describe('editing a Qlik server (local runtime + Qlik simulators)', () => {
  const s = useE2eSession();

  const openEdit = async (id: 'onprem' | 'cloud') => {
    await s.page.goto(`${s.stack.runtime.url}/#/servers/${id}`);
    await s.page.locator('form.server-form').waitFor();
  };

  it('tests unsaved values: a failing check shows its message, the fix passes, then saves', async () => {
    // Prepare
    await openEdit('onprem');
    await fillOnPremForm(s.page, s.stack, { serviceAccountUser: 'nobody' });
    // Act
    const failed = await testConnection(s.page);
    // Assess
    expect(failed).toEqual({
      'Server reachable': 'passed',
      Authentication: 'passed',
      'User exists': 'failed',
      RootAdmin: 'skipped',
      'Virtual proxy ready': 'skipped',
    });
    expect(await checkMessage(s.page, 'User exists')).toMatch(/nobody/);
    await screenshot(s.page, 'edit-onprem-check-failed');
    await s.page.getByLabel('Service account user').fill('sa_kpimailer');
    expect(await testConnection(s.page)).toEqual(ALL_PASSED_ONPREM);
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    await s.page.getByTestId('saved').waitFor();
    // The stored certificate's subject and expiry come back from the service, not from the file chosen.
    expect(await s.page.getByTestId('stored-certificate').textContent()).toMatch(/CN=QlikClient.*Valid until/);
    expect(await s.page.getByLabel('Certificate password').inputValue()).toBe('');
    expect(await s.page.locator('[data-field="certificatePassword"] .field__hint').textContent()).toMatch(
      /Leave blank to keep the current one/,
    );
    await screenshot(s.page, 'edit-onprem-saved');
  });

  it('keeps secrets out of the page HTML, the URL and browser storage, after load and after save', async () => {
    // Prepare
    const pfxSample = s.stack.pfx.toString('base64').slice(200, 260);
    await openEdit('onprem');
    await fillOnPremForm(s.page, s.stack);
    await expectNoSecret(s.page, PFX_PASSWORD, 'with the password typed');
    await expectNoSecret(s.page, pfxSample, 'with the certificate chosen');
    // Act
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    await s.page.getByTestId('saved').waitFor();
    // Assess
    await expectNoSecret(s.page, PFX_PASSWORD, 'after saving on-prem');
    await expectNoSecret(s.page, pfxSample, 'after saving on-prem');
    await s.page.reload();
    await s.page.locator('form.server-form').waitFor();
    await expectNoSecret(s.page, PFX_PASSWORD, 'after reloading on-prem');

    await openEdit('cloud');
    await fillCloudForm(s.page, s.stack);
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    await s.page.getByTestId('saved').waitFor();
    await expectNoSecret(s.page, CLIENT_SECRET, 'after saving cloud');
    expect(await s.page.getByLabel('OAuth client secret').inputValue()).toBe('');
    await s.page.reload();
    await s.page.locator('form.server-form').waitFor();
    await expectNoSecret(s.page, CLIENT_SECRET, 'after reloading cloud');
    expect(await s.page.locator('[data-field="oauthClientSecret"] .field__hint').textContent()).toMatch(
      /Leave blank to keep the current one/,
    );
    await screenshot(s.page, 'edit-cloud-saved');
  });

  it('shows the wrong certificate password next to its field and keeps the values typed', async () => {
    // Prepare
    await openEdit('onprem');
    await fillOnPremForm(s.page, s.stack, { password: 'not-the-password' });
    await s.page.getByLabel('Display name').fill('Renamed but not saved');
    // Act
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    // Assess
    const fieldError = s.page.locator('[data-field="certificatePassword"] .field__error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/password/i);
    expect(await s.page.getByLabel('Certificate password').getAttribute('aria-invalid')).toBe('true');
    expect(await s.page.getByLabel('Certificate password').getAttribute('aria-describedby')).toContain(
      'certificatePassword-error',
    );
    expect(await s.page.getByTestId('error-summary').getAttribute('role')).toBe('alert');
    expect(await s.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('error-summary');
    expect(await s.page.getByLabel('Display name').inputValue()).toBe('Renamed but not saved');
    await screenshot(s.page, 'edit-onprem-wrong-password');
  });

  it('works with the keyboard only: every control labelled and reachable by Tab, saved with Enter', async () => {
    // Prepare
    await openEdit('onprem');
    const unlabelled = await s.page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>('form.server-form input')]
        .filter((i) => !i.labels?.length)
        .map((i) => i.name),
    );
    expect(unlabelled).toEqual([]);
    await s.page.locator('#page-title').focus();
    // Act: tab through the whole form, recording what receives focus and whether it is visibly marked.
    const visited: string[] = [];
    for (let i = 0; i < 40 && !visited.includes('button:Save'); i++) {
      await s.page.keyboard.press('Tab');
      const focused = await s.page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const ring = getComputedStyle(el).boxShadow !== 'none' || getComputedStyle(el).outlineStyle !== 'none';
        const name =
          el.getAttribute('name') ??
          (el.tagName === 'SUMMARY' ? 'summary' : `${el.tagName.toLowerCase()}:${el.textContent?.trim()}`);
        return { name, ring };
      });
      expect(focused.ring, `${focused.name} shows focus`).toBe(true);
      visited.push(focused.name);
    }
    // Assess
    const order = [
      'displayName',
      'url',
      'userDirectory',
      'serviceAccountUser',
      'maxParallelExecutions',
      'certificate',
      'certificatePassword',
      'rootCertificate',
      'certificateHostName',
      'allowUntrustedServerCertificate',
      'summary',
      'button:Test connection',
      'button:Save',
    ];
    expect(visited.filter((name) => order.includes(name))).toEqual(order);
    // Change a value, open the advanced ports and save, all from the keyboard.
    await s.page.getByLabel('Display name').focus();
    await s.page.keyboard.press('ControlOrMeta+A');
    await s.page.keyboard.type('Qlik Sense (keyboard)');
    await s.page.locator('summary').focus();
    await s.page.keyboard.press('Enter');
    await s.page.keyboard.press('Tab');
    expect(await s.page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('repositoryPort');
    await s.page.getByRole('button', { name: 'Save', exact: true }).focus();
    await s.page.keyboard.press('Enter');
    await s.page.getByTestId('saved').waitFor();
    expect(await s.page.locator('#page-title').textContent()).toBe('Edit Qlik Sense (keyboard)');
    await screenshot(s.page, 'edit-onprem-keyboard');
  });

  it('Sync apps shows the result and the Qlik Repository lists the apps by stream', () =>
    syncAndBrowseRepository(s.page, s.stack));
});
