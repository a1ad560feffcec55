/** Steps on the admin page that several browser tests share, written the way an admin works the form. */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { CLIENT_ID, CLIENT_SECRET, PFX_PASSWORD, type E2eStack } from './e2e-stack.ts';

export async function fillOnPremForm(page: Page, stack: E2eStack, overrides: { serviceAccountUser?: string; password?: string } = {}): Promise<void> {
  await page.getByLabel('Display name').fill('Qlik Sense production');
  // The simulated site's proxy is the Server URL; sessions through the kpimailer virtual proxy go there.
  await page.getByLabel('Server URL').fill(stack.qse.proxy.url);
  await page.getByLabel('User directory').fill('INTERNAL');
  await page.getByLabel('Service account user').fill(overrides.serviceAccountUser ?? 'sa_kpimailer');
  await page.getByLabel('Client certificate').setInputFiles({ name: 'client.pfx', mimeType: 'application/x-pkcs12', buffer: stack.pfx });
  await page.getByText(/client\.pfx \(.*\) will be checked/).waitFor();
  await page.getByLabel('Certificate password').fill(overrides.password ?? PFX_PASSWORD);
  // The simulated node's certificate is issued to its machine name, reached here on 127.0.0.1.
  await page.getByLabel('Certificate host name').fill(stack.qse.machineName);
  await page.getByText('Advanced: ports').click();
  await page.getByLabel('Repository (QRS) port').fill(String(stack.qse.port));
  await page.getByLabel('Proxy API (QPS) port').fill(String(stack.qse.proxy.apiPort));
}

export async function fillCloudForm(page: Page, stack: E2eStack): Promise<void> {
  await page.getByLabel('Display name').fill('Qlik Cloud EU');
  await page.getByLabel('Tenant URL').fill(stack.cloud.url);
  await page.getByLabel('OAuth client ID').fill(CLIENT_ID);
  await page.getByLabel('Web integration ID').fill(stack.webIntegrationId);
  await page.getByLabel('OAuth client secret').fill(CLIENT_SECRET);
}

/** Presses Test connection and waits until no check is pending; returns each check's status. */
export async function testConnection(page: Page): Promise<Record<string, string>> {
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByTestId('test-outcome').waitFor({ timeout: 30_000 });
  const rows = page.locator('li.check');
  const result: Record<string, string> = {};
  for (const row of await rows.all()) result[(await row.getAttribute('data-check'))!] = (await row.getAttribute('data-status'))!;
  return result;
}

export async function checkMessage(page: Page, name: string): Promise<string> {
  return (await page.locator(`li.check[data-check="${name}"] .check__message`).textContent()) ?? '';
}

export const ALL_PASSED_ONPREM = { 'Server reachable': 'passed', Authentication: 'passed', 'User exists': 'passed', RootAdmin: 'passed', 'Virtual proxy ready': 'passed' };
export const ALL_PASSED_CLOUD = { 'Server reachable': 'passed', Authentication: 'passed' };

/** Asserts a secret is nowhere the page can keep it: its HTML, its URL, local or session storage. */
export async function expectNoSecret(page: Page, secret: string, when: string): Promise<void> {
  const places = await page.evaluate((needle) => {
    const dump = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`).join('\n');
    return [
      document.documentElement.outerHTML.includes(needle) ? 'outerHTML' : '',
      location.href.includes(needle) ? 'URL' : '',
      dump(localStorage).includes(needle) ? 'localStorage' : '',
      dump(sessionStorage).includes(needle) ? 'sessionStorage' : '',
    ].filter(Boolean);
  }, secret);
  expect(places, `secret found ${when}`).toEqual([]);
}
