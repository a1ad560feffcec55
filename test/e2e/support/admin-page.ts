/** Steps on the admin page that several browser tests share, written the way an admin works the form. */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { CLIENT_ID, CLIENT_SECRET, PFX_PASSWORD, type E2eStack } from './e2e-stack.ts';

/** What an admin types into the Qlik Sense Enterprise form; the certificate is a file path or the file's bytes. */
export interface OnPremFormValues {
  serverUrl: string;
  serviceAccountUser: string;
  certificate: string | Buffer;
  password: string;
  certificateHostName: string;
  repositoryPort: number;
  proxyApiPort: number;
}

export async function fillOnPremForm(
  page: Page,
  stack: E2eStack,
  overrides: { serviceAccountUser?: string; password?: string } = {},
): Promise<void> {
  await fillOnPremFields(page, {
    // The simulated site's proxy is the Server URL; sessions through the kpimailer virtual proxy go there.
    serverUrl: stack.qse.proxy.url,
    serviceAccountUser: overrides.serviceAccountUser ?? 'sa_kpimailer',
    certificate: stack.pfx,
    password: overrides.password ?? PFX_PASSWORD,
    // The simulated node's certificate is issued to its machine name, reached here on 127.0.0.1.
    certificateHostName: stack.qse.machineName,
    repositoryPort: stack.qse.port,
    proxyApiPort: stack.qse.proxy.apiPort,
  });
}

export async function fillOnPremFields(page: Page, values: OnPremFormValues): Promise<void> {
  await page.getByLabel('Display name').fill('Qlik Sense production');
  await page.getByLabel('Server URL').fill(values.serverUrl);
  await page.getByLabel('User directory').fill('INTERNAL');
  await page.getByLabel('Service account user').fill(values.serviceAccountUser);
  const certificate = values.certificate;
  await page
    .getByLabel('Client certificate')
    .setInputFiles(
      typeof certificate === 'string'
        ? certificate
        : { name: 'client.pfx', mimeType: 'application/x-pkcs12', buffer: certificate },
    );
  await page.getByText(/client\.pfx \(.*\) will be checked/).waitFor();
  await page.getByLabel('Certificate password').fill(values.password);
  await page.getByLabel('Certificate host name').fill(values.certificateHostName);
  await page.getByText('Advanced: ports').click();
  await page.getByLabel('Repository (QRS) port').fill(String(values.repositoryPort));
  await page.getByLabel('Proxy API (QPS) port').fill(String(values.proxyApiPort));
}

/** What an admin pastes into the Qlik Cloud form. */
export interface CloudFormValues {
  tenantUrl: string;
  clientId: string;
  clientSecret: string;
  webIntegrationId: string;
}

export async function fillCloudForm(page: Page, stack: E2eStack): Promise<void> {
  await fillCloudFields(page, {
    tenantUrl: stack.cloud.url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    webIntegrationId: stack.webIntegrationId,
  });
}

export async function fillCloudFields(page: Page, values: CloudFormValues): Promise<void> {
  await page.getByLabel('Display name').fill('Qlik Cloud EU');
  await page.getByLabel('Tenant URL').fill(values.tenantUrl);
  await page.getByLabel('OAuth client ID').fill(values.clientId);
  await page.getByLabel('Web integration ID').fill(values.webIntegrationId);
  await page.getByLabel('OAuth client secret').fill(values.clientSecret);
}

/** Presses Test connection and waits until no check is pending; returns each check's status. */
export async function testConnection(page: Page): Promise<Record<string, string>> {
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByTestId('test-outcome').waitFor({ timeout: 30_000 });
  const rows = page.locator('li.check');
  const result: Record<string, string> = {};
  for (const row of await rows.all())
    result[(await row.getAttribute('data-check'))!] = (await row.getAttribute('data-status'))!;
  return result;
}

export async function checkMessage(page: Page, name: string): Promise<string> {
  return (await page.locator(`li.check[data-check="${name}"] .check__message`).textContent()) ?? '';
}

export const ALL_PASSED_ONPREM = {
  'Server reachable': 'passed',
  Authentication: 'passed',
  'User exists': 'passed',
  RootAdmin: 'passed',
  'Virtual proxy ready': 'passed',
};
export const ALL_PASSED_CLOUD = { 'Server reachable': 'passed', Authentication: 'passed' };

/** Asserts a secret is nowhere the page can keep it: its HTML, its URL, local or session storage. */
export async function expectNoSecret(page: Page, secret: string, when: string): Promise<void> {
  const places = await page.evaluate((needle) => {
    const dump = (s: Storage) =>
      Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`).join('\n');
    return [
      document.documentElement.outerHTML.includes(needle) ? 'outerHTML' : '',
      location.href.includes(needle) ? 'URL' : '',
      dump(localStorage).includes(needle) ? 'localStorage' : '',
      dump(sessionStorage).includes(needle) ? 'sessionStorage' : '',
    ].filter(Boolean);
  }, secret);
  expect(places, `secret found ${when}`).toEqual([]);
}
