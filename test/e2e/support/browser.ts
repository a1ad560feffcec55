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
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that fails the test on any console error, CSP violation or uncaught exception. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of (400|409)/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Where a secret shows up in the page: its HTML, the URL, or either storage. Empty when nowhere. */
export async function secretLeaks(page: Page, secret: string): Promise<string[]> {
  const found = await page.evaluate((needle) => {
    const places: string[] = [];
    const storage = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`).join('\n');
    if (document.documentElement.outerHTML.includes(needle)) places.push('document.documentElement.outerHTML');
    if (location.href.includes(needle)) places.push('location.href');
    if (storage(localStorage).includes(needle)) places.push('localStorage');
    if (storage(sessionStorage).includes(needle)) places.push('sessionStorage');
    return places;
  }, secret);
  return found;
}

/** Milliseconds from navigation start to the servers page's first render with data. */
export async function serversFirstRenderMs(page: Page): Promise<number> {
  await page.waitForFunction(() => performance.getEntriesByName('kpimailer:servers-rendered').length > 0);
  return page.evaluate(() => performance.getEntriesByName('kpimailer:servers-rendered')[0]?.startTime ?? -1);
}
