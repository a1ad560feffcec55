/**
 * Debian's chromium driven by playwright-core, for the admin page's browser tests. No browser is downloaded:
 * `.ci/run` installs the `chromium` package when it is missing.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) {
    throw new Error(`No chromium at ${CHROMIUM_PATH}. Install Debian's package: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page that collects console errors (CSP violations included), uncaught exceptions and 5xx answers, for the
 * test to assert there were none. Chromium's "Failed to load resource" lines for 4xx answers are left out:
 * 400 and 409 are answers the page handles, and the tests assert how.
 */
export async function openPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (
      message.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
    ) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 500)
      problems.push(
        `HTTP ${response.status()} from ${response.request().method()} ${new URL(response.url()).pathname}`,
      );
  });
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Milliseconds from navigation start to the servers page's first render with data. */
export async function serversFirstRenderMs(page: Page): Promise<number> {
  await page.waitForFunction(() => performance.getEntriesByName('kpimailer:servers-rendered').length > 0);
  return page.evaluate(() => performance.getEntriesByName('kpimailer:servers-rendered')[0]?.startTime ?? -1);
}
