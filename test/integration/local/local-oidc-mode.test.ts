/**
 * The local runtime in OIDC mode against a real issuer (oauth2-mock-server on loopback): every `/api` route answers
 * 401 to a token API Gateway's authorizer would refuse, and nothing changes; a valid token is recorded as the actor.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '#lib/local/local-runtime.ts';
import { cloudDraft } from '#test/support/server-drafts.ts';

const CLIENT_ID = 'kpimailer-admin-page';

let issuer: OAuth2Server;
let stranger: OAuth2Server;
let runtime: LocalRuntime;
let dataDir: string;

type Claims = Record<string, unknown>;
const accessClaims: Claims = {
  sub: 'admin-sub',
  username: 'admin',
  email: 'admin@example.com',
  token_use: 'access',
  client_id: CLIENT_ID,
  scope: 'openid email',
};

const tokenFrom = (server: OAuth2Server, claims: Claims, expiresIn = 3600) =>
  server.issuer.buildToken({ expiresIn, scopesOrTransform: (_header, payload) => Object.assign(payload, claims) });

beforeAll(async () => {
  issuer = new OAuth2Server();
  stranger = new OAuth2Server();
  for (const server of [issuer, stranger]) {
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
  }
  dataDir = await mkdtemp(join(tmpdir(), 'kpimailer-oidc-'));
  runtime = await startLocalRuntime({ port: 0, dataDir, oidc: { issuer: issuer.issuer.url!, clientId: CLIENT_ID } });
});

afterAll(async () => {
  await runtime?.close();
  await Promise.all([issuer?.stop(), stranger?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
});

const put = (token: string | null) =>
  fetch(`${runtime.url}/api/servers/cloud`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(cloudDraft()),
  });
const get = (path: string, token: string) =>
  fetch(`${runtime.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('local runtime in OIDC mode', () => {
  it('answers 401 to every token the authorizer refuses, and changes nothing', async () => {
    // Prepare
    const refused: Record<string, string | null> = {
      'no token': null,
      'wrong issuer': await tokenFrom(stranger, accessClaims),
      'wrong client': await tokenFrom(issuer, { ...accessClaims, client_id: 'another-client' }),
      expired: await tokenFrom(issuer, accessClaims, -120),
      'ID token instead of access token': await tokenFrom(issuer, {
        ...accessClaims,
        token_use: 'id',
        client_id: undefined,
        aud: CLIENT_ID,
      }),
      'bad signature': (await tokenFrom(issuer, accessClaims)).replace(/.{6}$/, 'AAAAAA'),
    };
    const valid = await tokenFrom(issuer, accessClaims);

    // Act
    const statuses: Record<string, number> = {};
    for (const [what, token] of Object.entries(refused)) {
      const response = await put(token);
      statuses[what] = response.status;
      if (response.status === 401) expect(await response.json()).toEqual({ message: 'Unauthorized' });
    }

    // Assess: all refused, nothing saved, nothing recorded
    expect(statuses).toEqual(Object.fromEntries(Object.keys(refused).map((what) => [what, 401])));
    expect(await (await get('/api/servers/cloud', valid)).json()).toMatchObject({ configured: false, version: 0 });
    expect((await (await get('/api/audit', valid)).json()).entries).toEqual([]);
  });

  it('serves the page and its sign-in settings without a token, with the issuer as the only other origin', async () => {
    const page = await fetch(`${runtime.url}/`);
    const config = await fetch(`${runtime.url}/config.json`);
    expect([page.status, config.status]).toEqual([200, 200]);
    expect(await config.json()).toMatchObject({
      mode: 'oidc',
      issuer: issuer.issuer.url,
      clientId: CLIENT_ID,
      logoutRedirectParameter: 'post_logout_redirect_uri',
    });
    expect(page.headers.get('content-security-policy')).toContain(
      `connect-src 'self' ${new URL(issuer.issuer.url!).origin};`,
    );
  });

  it("accepts a valid access token and records its subject and e-mail as the save's actor", async () => {
    const token = await tokenFrom(issuer, accessClaims);
    expect((await put(token)).status).toBe(200);
    const { entries } = await (await get('/api/audit?serverId=cloud', token)).json();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'settings.saved',
      actor: { sub: 'admin-sub', name: 'admin@example.com' },
    });
  });
});
