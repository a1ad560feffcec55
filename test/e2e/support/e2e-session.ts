/**
 * One browser and one real stack (local runtime + Qlik simulators) per test file, a fresh browser context per test,
 * and a check after each test that the page logged no errors or failed requests.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { launchChromium, openPage } from '#test/e2e/support/browser.ts';
import { startE2eStack, type E2eStack } from '#test/e2e/support/e2e-stack.ts';

export interface E2eSession {
  stack: E2eStack;
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

export function useE2eSession(): E2eSession {
  const session = {} as E2eSession;
  let problems: string[] = [];
  beforeAll(async () => {
    session.stack = await startE2eStack();
    session.browser = await launchChromium();
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.stack?.close();
  });
  beforeEach(async () => {
    session.context = await session.browser.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page: session.page, problems } = await openPage(session.context));
  });
  afterEach(async () => {
    await session.context.close();
    expect(problems).toEqual([]);
  });
  return session;
}
