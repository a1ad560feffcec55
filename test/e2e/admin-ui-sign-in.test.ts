/**
 * Signing in to the admin page, end to end: Chromium, the local runtime in OIDC mode (verifying access tokens as
 * API Gateway's authorizer does) and `oauth2-mock-server` as the issuer, shaped like Cognito's tokens
 * (`token_use`, `client_id`, `username`, `email`).
 */
import { OAuth2Server } from 'oauth2-mock-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectNoSecret, fillCloudForm } from '#test/e2e/support/admin-page.ts';
import { launchChromium, openPage, screenshot } from '#test/e2e/support/browser.ts';
import { CLIENT_SECRET, startE2eStack, type E2eStack } from '#test/e2e/support/e2e-stack.ts';

const PAGE_CLIENT_ID = 'kpimailer-admin-page';
const ADMIN = { sub: '7d1f0c2e-admin', email: 'ops.admin@example.com' };

/** What the issuer does next; each test sets it up. */
const issuerBehaviour = { expireNextAccessToken: false, refuseRefresh: false };
const grants: string[] = [];

let issuer: OAuth2Server;
let stack: E2eStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];

beforeAll(async () => {
  issuer = new OAuth2Server();
  await issuer.issuer.keys.generate('RS256');
  await issuer.start(0, '127.0.0.1');
  // Cognito's claims: an access token names the client in `client_id` and says `token_use: access`.
  issuer.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    const isIdToken = 'aud' in token.payload;
    Object.assign(token.payload, { sub: ADMIN.sub, email: ADMIN.email, 'cognito:username': ADMIN.sub });
    if (isIdToken) {
      token.payload.token_use = 'id';
      return;
    }
    Object.assign(token.payload, {
      token_use: 'access',
      client_id: PAGE_CLIENT_ID,
      username: ADMIN.sub,
      scope: 'openid email',
    });
    if (issuerBehaviour.expireNextAccessToken) {
      issuerBehaviour.expireNextAccessToken = false;
      token.payload.exp = Math.floor(Date.now() / 1000) - 60;
    }
  });
  issuer.service.on(
    'beforeResponse',
    (response: { statusCode: number; body: unknown }, req: { body: Record<string, string> }) => {
      grants.push(req.body.grant_type ?? '');
      if (req.body.grant_type === 'refresh_token' && issuerBehaviour.refuseRefresh) {
        response.statusCode = 400;
        response.body = { error: 'invalid_grant', error_description: 'Refresh token has been revoked' };
      }
    },
  );
  stack = await startE2eStack({ oidc: { issuer: issuer.issuer.url!, clientId: PAGE_CLIENT_ID } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await issuer?.stop();
});

beforeEach(async () => {
  Object.assign(issuerBehaviour, { expireNextAccessToken: false, refuseRefresh: false });
  grants.length = 0;
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  ({ page, problems } = await openPage(context));
});

afterEach(async () => {
  await context.close();
  expect(problems).toEqual([]);
});

async function signIn(hash = '#/servers'): Promise<void> {
  await page.goto(`${stack.runtime.url}/${hash}`);
  await page.getByTestId('sign-in').waitFor();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('account').waitFor();
}

const apiStatusFromPage = (): Promise<number> => page.evaluate(async () => (await fetch('api/servers')).status);

describe('signing in to the admin page', () => {
  it('signs in, shows the servers, saves, records who saved, and signs out (the API then answers 401)', async () => {
    // Prepare: the page is public, the API is not
    expect((await fetch(`${stack.runtime.url}/api/servers`)).status).toBe(401);
    await page.goto(`${stack.runtime.url}/#/servers`);
    await page.getByTestId('sign-in').waitFor();
    await screenshot(page, 'sign-in-1-not-signed-in');

    // Act: sign in
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Assess: signed in, on the screen the admin started from, with the servers
    await expect
      .poll(() => page.getByTestId('account').textContent(), { timeout: 20_000 })
      .toContain(`Signed in as ${ADMIN.email}`);
    expect(new URL(page.url()).hash).toBe('#/servers');
    expect(new URL(page.url()).search).toBe('');
    await page.getByRole('heading', { name: 'Qlik servers' }).waitFor();
    await page.getByText('Qlik Cloud').first().waitFor();
    await screenshot(page, 'sign-in-2-signed-in');
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(storage).toBe('{}');

    // Act: save the Qlik Cloud server
    await page.goto(`${stack.runtime.url}/#/servers/cloud`);
    await fillCloudForm(page, stack);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('saved').waitFor();

    // Assess: the save is in the server's activity under the signed-in admin, the secret only "replaced"
    const activity = page.getByTestId('activity');
    await activity.locator('[data-action="settings.saved"]').waitFor();
    expect(await activity.textContent()).toContain(ADMIN.email);
    expect(await activity.textContent()).toContain('oauthClientSecret replaced');
    await expectNoSecret(page, CLIENT_SECRET, 'in the activity');
    await page.goto(`${stack.runtime.url}/#/activity`);
    await page.getByTestId('activity').locator('[data-action="settings.saved"]').waitFor();
    await screenshot(page, 'activity-all-servers');

    // Act: sign out
    await page.getByRole('button', { name: 'Sign out' }).click();

    // Assess: back on the page, signed out, and the API refuses the page's calls
    await page.locator('[data-testid="sign-in"][data-reason="signed-out"]').waitFor();
    await screenshot(page, 'sign-in-3-signed-out');
    expect(await apiStatusFromPage()).toBe(401);
  });

  it('refreshes an expired access token silently and carries on', async () => {
    // Prepare: the first access token is already expired when the page uses it
    issuerBehaviour.expireNextAccessToken = true;

    // Act
    await signIn();

    // Assess: the API refused it once, the page refreshed it with the refresh token and showed the servers
    await page.getByText('Qlik Cloud').first().waitFor();
    expect(grants).toEqual(['authorization_code', 'refresh_token']);
    expect(await page.getByTestId('sign-in').count()).toBe(0);
  });

  it('takes the admin through sign-in when the refresh is refused, back to the same form with its unsaved fields', async () => {
    // Prepare: a signed-in admin halfway through editing (a secret typed too)
    await signIn('#/servers/cloud');
    await page.getByLabel('Display name').fill('Qlik Cloud (renamed, not saved)');
    await page.getByLabel('OAuth client secret').fill('typed-secret-that-must-not-survive');
    issuerBehaviour.refuseRefresh = true;
    // The API turns the token away once, as API Gateway does when it has expired
    let refused = 0;
    await page.route('**/api/servers/cloud', async (route) => {
      if (route.request().method() !== 'PUT' || refused++ > 0) return route.fallback();
      await route.fulfill({ status: 401, contentType: 'application/json', body: '{"message":"Unauthorized"}' });
    });

    // Act
    await page.getByRole('button', { name: 'Save' }).click();

    // Assess: the refresh was refused, the admin went through sign-in and is back on the same form
    await expect
      .poll(() => grants, { timeout: 20_000 })
      .toEqual(['authorization_code', 'refresh_token', 'authorization_code']);
    await page.getByTestId('account').waitFor();
    expect(new URL(page.url()).hash).toBe('#/servers/cloud');
    await expect
      .poll(() => page.getByLabel('Display name').inputValue(), { timeout: 20_000 })
      .toBe('Qlik Cloud (renamed, not saved)');
    expect(await page.getByLabel('OAuth client secret').inputValue()).toBe('');
    await expectNoSecret(page, 'typed-secret-that-must-not-survive', 'after the sign-in trip');
    expect(await page.evaluate(() => sessionStorage.getItem('kpimailer.unsaved-forms'))).toBeNull();
    await screenshot(page, 'sign-in-4-back-to-unsaved-form');
  });
});
