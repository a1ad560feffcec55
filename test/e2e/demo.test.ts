/**
 * End to end in chromium against the real `npm run demo` (a child process, as an evaluator runs it): the demo's
 * certificate is uploaded from its file and its OAuth client pasted from its file, both servers test green and sync,
 * the Repository fills, a Qlik Cloud extraction runs, and reload events arrive from both simulated sites (a short
 * interval instead of a minute).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_PASSED_CLOUD,
  ALL_PASSED_ONPREM,
  expectNoSecret,
  fillCloudFields,
  fillOnPremFields,
  testConnection,
} from '#test/e2e/support/admin-page.ts';
import { DEMO_TABLE_OBJECT_ID } from '#test/demo/demo-catalog.ts';
import { launchChromium, openPage, screenshot } from '#test/e2e/support/browser.ts';
import { expectFirstSyncDone } from '#test/e2e/support/sync-scenario.ts';
import { startNpmScript, type StartedService } from '#test/support/processes.ts';

interface Reload {
  appId: string;
  appName: string | null;
  status: string;
  finishedAt: string;
  source: 'webhook' | 'poll';
}

/** A value the demo printed after `label:` (paths, URLs, names). */
function printed(output: string, label: RegExp): string {
  const match = new RegExp(`${label.source}\\s+(\\S+)`).exec(output);
  if (!match) throw new Error(`The demo did not print ${label.source}:\n${output}`);
  return match[1]!;
}

describe('npm run demo (the real script, with both Qlik simulators)', () => {
  let dataDir: string;
  let demo: StartedService;
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kpimailer-demo-e2e-'));
    demo = await startNpmScript(
      'demo',
      {
        KPIMAILER_DEMO_DATA_DIR: dataDir,
        KPIMAILER_DEMO_RELOAD_INTERVAL_SECONDS: '2',
        RELOAD_MONITOR_INTERVAL_SECONDS: '2',
        // Not inherited from this test run: the demo lets its Qlik connections reach the simulators by itself.
        KPIMAILER_ALLOW_LOOPBACK_QLIK: '',
      },
      120_000,
    );
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page, problems } = await openPage(context));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${demo.url}${path}`)).json()) as T;
  const reloadsOf = async (id: 'onprem' | 'cloud') =>
    (await api<{ reloads: Reload[] }>(`/api/servers/${id}/reloads?limit=20`)).reloads;

  it('sets up both servers from the demo files, syncs them, fills the Repository and receives reload events', async () => {
    // Prepare: what the demo printed and wrote, read as an evaluator reads it.
    const output = demo.output();
    const pfxFile = printed(output, /Client certificate:/);
    const passwordFile = printed(output, /Certificate password:\s+in/);
    const oauthClientFile = printed(output, /Web integration ID: in/);
    for (const file of [pfxFile, passwordFile, oauthClientFile]) expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(passwordFile, 'utf8').trim();
    const oauthClient = readFileSync(oauthClientFile, 'utf8');
    const clientSecret = printed(oauthClient, /OAuth client secret:/);
    const ports = /Repository \(QRS\) (\d+), Proxy API \(QPS\) (\d+)/.exec(output)!;
    // The secrets are only in the files.
    expect(output).not.toContain(password);
    expect(output).not.toContain(clientSecret);

    // Act 1: the first-run wizard for Qlik Sense Enterprise, with the certificate uploaded from its file.
    await page.goto(`${demo.url}/`);
    await page.getByRole('heading', { name: 'Which Qlik do you want to connect?' }).waitFor();
    await screenshot(page, 'demo-1-wizard');
    await page.getByLabel(/Qlik Sense Enterprise on Windows/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'I have these ready' }).click();
    await fillOnPremFields(page, {
      serverUrl: printed(output, /Server URL:/),
      serviceAccountUser: printed(output, /Service account user:/),
      certificate: pfxFile,
      password,
      certificateHostName: printed(output, /Certificate host name:/),
      repositoryPort: Number(ports[1]),
      proxyApiPort: Number(ports[2]),
    });
    expect(await testConnection(page)).toEqual(ALL_PASSED_ONPREM);
    await screenshot(page, 'demo-2-onprem-tested');
    await page.getByRole('button', { name: 'Save and sync apps' }).click();
    await expectFirstSyncDone(page);
    await screenshot(page, 'demo-3-onprem-first-sync');

    // Act 2: Qlik Cloud from the servers page, with the OAuth client pasted from its file.
    await page.goto(`${demo.url}/#/servers`);
    await page
      .locator('[data-server="cloud"]')
      .getByRole('link', { name: /Set up/ })
      .click();
    await fillCloudFields(page, {
      tenantUrl: printed(output, /Tenant URL:/),
      clientId: printed(oauthClient, /OAuth client ID:/),
      clientSecret,
      webIntegrationId: printed(oauthClient, /Web integration ID:/),
    });
    expect(await testConnection(page)).toEqual(ALL_PASSED_CLOUD);
    await screenshot(page, 'demo-4-cloud-tested');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved').waitFor();
    await expectNoSecret(page, clientSecret, 'after saving the Qlik Cloud server');
    await page.goto(`${demo.url}/#/servers`);
    const cloudCard = page.locator('[data-server="cloud"]');
    await cloudCard.getByRole('button', { name: /Sync apps/ }).click();
    await expect
      .poll(
        () =>
          cloudCard
            .getByTestId('sync-result')
            .textContent()
            .catch(() => ''),
        { timeout: 60_000 },
      )
      .toMatch(/Succeeded.*\d+ apps \(\d+ added/);
    const syncedAt = new Date().toISOString();
    await screenshot(page, 'demo-5-servers-after-sync');

    // Assess: both cards synced, the webhook is in place, the Repository lists the demo's streams and spaces.
    expect(await page.locator('[data-server="onprem"]').getByTestId('sync-result').textContent()).toMatch(
      /Succeeded.*240 apps/,
    );
    expect(await cloudCard.getByTestId('sync-result').textContent()).toMatch(/Succeeded.*160 apps/);
    expect(await cloudCard.textContent()).toMatch(/Reload webhook\s*Enabled/);
    await page
      .locator('[data-server="onprem"]')
      .getByRole('link', { name: /View apps/ })
      .click();
    await expect
      .poll(() => page.locator('.app-group__title').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringMatching(/^Finance/)]));
    await screenshot(page, 'demo-6-repository');

    // Assess: an extraction runs against the demo tenant's Reports API, as the report engine would start one.
    const [app] = (await api<{ apps: Array<{ id: string }> }>('/api/servers/cloud/apps?limit=1')).apps;
    const submitted = await fetch(`${demo.url}/api/servers/cloud/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId: app!.id, kind: 'image', objectId: 'kpi-revenue' }),
    });
    expect(submitted.status).toBe(202);
    const { executionId } = (await submitted.json()) as { executionId: string };
    await expect
      .poll(async () => (await api<{ status: string }>(`/api/executions/${executionId}`)).status, { timeout: 60_000 })
      .toBe('succeeded');
    expect((await fetch(`${demo.url}/api/executions/${executionId}/result`)).headers.get('content-type')).toBe(
      'image/png',
    );

    // ...and an on-premise data extraction through the Engine API behind the kpimailer virtual proxy.
    const [onPremApp] = (await api<{ apps: Array<{ id: string }> }>('/api/servers/onprem/apps?limit=1')).apps;
    const dataSubmitted = await fetch(`${demo.url}/api/servers/onprem/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        appId: onPremApp!.id,
        kind: 'data',
        objectId: DEMO_TABLE_OBJECT_ID,
        selections: [{ field: 'Region', values: ['North'] }],
      }),
    });
    expect(dataSubmitted.status).toBe(202);
    const dataExecution = ((await dataSubmitted.json()) as { executionId: string }).executionId;
    await expect
      .poll(async () => (await api<{ status: string }>(`/api/executions/${dataExecution}`)).status, { timeout: 60_000 })
      .toBe('succeeded');
    const csv = await (await fetch(`${demo.url}/api/executions/${dataExecution}/result`)).text();
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header).toBe('Region,Product,Sales,Margin');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.startsWith('North,'))).toBe(true);

    // Assess: reload events arrive, from the on-premise poll and from a signed Qlik Cloud webhook delivery.
    await expect
      .poll(async () => (await reloadsOf('onprem')).some((r) => r.source === 'poll'), { timeout: 60_000 })
      .toBe(true);
    let delivered: Reload | undefined;
    await expect
      .poll(
        async () =>
          (delivered = (await reloadsOf('cloud')).find((r) => r.source === 'webhook' && r.finishedAt > syncedAt)),
        { timeout: 60_000 },
      )
      .toBeDefined();
    expect(demo.output()).toMatch(/Qlik Cloud: reload of app ".+" finished .*webhook delivery answered 202/);
    await page.goto(`${demo.url}/#/repository/cloud`);
    await page.getByLabel('Search apps by name').fill(delivered!.appName!);
    await page.keyboard.press('Enter');
    const row = page.locator(`.app-row[data-app-id="${delivered!.appId}"]`);
    await expect
      .poll(() =>
        row
          .locator('time')
          .getAttribute('datetime')
          .catch(() => null),
      )
      .toBe(delivered!.finishedAt);
    expect(await row.textContent()).toMatch(/Reload (succeeded|failed)\s*just now/);
    await screenshot(page, 'demo-7-reload-event');
    expect(problems).toEqual([]);
  }, 300_000);
});
