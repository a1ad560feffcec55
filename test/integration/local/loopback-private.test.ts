import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '#lib/local/local-runtime.ts';
import { cloudDraft } from '#test/support/server-drafts.ts';

interface RawResponse {
  status: number;
  body: string;
}

/** A request with exactly these headers (fetch would set its own Host and Origin). */
function raw(
  url: string,
  options: { method?: string; path: string; headers: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        setHost: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * The local runtime trusts whoever reaches its port, so a web page in the admin's browser must not be able to: a
 * DNS-rebinding page reaches 127.0.0.1 under its own host name, a cross-site page can POST text/plain without a
 * CORS preflight. The Secrets Manager stand-in next to it answers only its own runtime's signed requests.
 */
describe('the local runtime is private to loopback and its own page', () => {
  let runtime: LocalRuntime;
  let dataDir: string;
  let host: string;

  beforeAll(async () => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'kpimailer-private-')), 'data');
    runtime = await startLocalRuntime({
      port: 0,
      dataDir,
      env: { RELOAD_MONITOR_INTERVAL_SECONDS: '0', APP_SYNC_INTERVAL_SECONDS: '0' },
    });
    host = new URL(runtime.url).host;
  });
  afterAll(async () => {
    await runtime?.close();
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('answers 421 to a Host that is not its own (DNS rebinding), whatever the route', async () => {
    const page = await raw(runtime.url, { path: '/api/servers', headers: { host: 'attacker.example' } });
    const rebound = await raw(runtime.url, {
      path: '/api/servers',
      headers: { host: `attacker.example:${new URL(runtime.url).port}` },
    });
    const webhook = await raw(runtime.url, {
      method: 'POST',
      path: '/webhooks/qlik-cloud',
      headers: { host: 'attacker.example', 'content-type': 'application/json' },
      body: '{}',
    });

    expect([page.status, rebound.status, webhook.status]).toEqual([421, 421, 421]);
    expect(page.body).not.toContain('servers');
    // Its own names still work.
    expect((await raw(runtime.url, { path: '/api/servers', headers: { host } })).status).toBe(200);
    expect(
      (await raw(runtime.url, { path: '/api/servers', headers: { host: host.replace('127.0.0.1', 'localhost') } }))
        .status,
    ).toBe(200);
  });

  it('answers 403 to a cross-origin text/plain POST and starts nothing', async () => {
    // Prepare: a configured server a forged "Sync apps" could start a sync of
    const saved = await raw(runtime.url, {
      method: 'PUT',
      path: '/api/servers/cloud',
      headers: { host, 'content-type': 'application/json' },
      body: JSON.stringify(cloudDraft()),
    });
    expect(saved.status).toBe(200);

    // Act: what a cross-site form or fetch(no-cors) can send
    const forgedSync = await raw(runtime.url, {
      method: 'POST',
      path: '/api/servers/cloud/sync',
      headers: { host, origin: 'https://attacker.example', 'content-type': 'text/plain' },
      body: '',
    });
    const forgedSave = await raw(runtime.url, {
      method: 'PUT',
      path: '/api/servers/cloud',
      headers: { host, origin: 'https://attacker.example', 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ ...cloudDraft(), displayName: 'Owned', version: 1 }),
    });
    const formDelete = await raw(runtime.url, {
      method: 'DELETE',
      path: '/api/servers/cloud',
      headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    const nullOrigin = await raw(runtime.url, {
      method: 'POST',
      path: '/api/servers/cloud/test',
      headers: { host, origin: 'null', 'content-type': 'application/json' },
      body: '{}',
    });

    // Assess
    expect([forgedSync.status, forgedSave.status, formDelete.status, nullOrigin.status]).toEqual([403, 403, 403, 403]);
    const view = JSON.parse((await raw(runtime.url, { path: '/api/servers/cloud', headers: { host } })).body) as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({ configured: true, displayName: cloudDraft().displayName, version: 1, lastSync: null });
  });

  it('accepts its own page: same-origin JSON changes, and body-less ones without a content type', async () => {
    const origin = runtime.url;
    const test = await raw(runtime.url, {
      method: 'POST',
      path: '/api/servers/onprem/test',
      headers: { host, origin, 'content-type': 'application/json' },
      body: '{}',
    });
    const deleted = await raw(runtime.url, {
      method: 'DELETE',
      path: '/api/servers/onprem',
      headers: { host, origin },
    });
    // Refused or answered by the handler, never by the guard.
    expect(test.status).not.toBe(403);
    expect(deleted.status).toBe(204);
  });

  it('lets Qlik reach the webhook route with its own headers (its HMAC is the authentication)', async () => {
    const delivery = await raw(runtime.url, {
      method: 'POST',
      path: '/webhooks/qlik-cloud',
      headers: { host, origin: 'https://qlik.example', 'content-type': 'application/cloudevents+json' },
      body: '{}',
    });
    expect(delivery.status).toBe(401); // reached the receiver, which wants a signature
  });

  it('keeps its Secrets Manager stand-in to its own signed requests', async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!;
    const unsigned = await raw(endpoint, {
      method: 'POST',
      path: '/',
      headers: {
        host: new URL(endpoint).host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body: JSON.stringify({ SecretId: `${process.env.SECRET_NAME_PREFIX}/cloud` }),
    });
    const wrongKey = await raw(endpoint, {
      method: 'POST',
      path: '/',
      headers: {
        host: new URL(endpoint).host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.GetSecretValue',
        'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
        authorization: `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID}/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      },
      body: JSON.stringify({ SecretId: `${process.env.SECRET_NAME_PREFIX}/cloud` }),
    });

    expect([unsigned.status, wrongKey.status]).toEqual([403, 403]);
    expect(unsigned.body).not.toContain('SecretString');
    expect(wrongKey.body).toContain('InvalidSignatureException');
    // The runtime's own SDK clients, signing with the per-start key, are served (the save above went through it).
    expect(process.env.AWS_SECRET_ACCESS_KEY).not.toBe('local');
  });

  it('creates its data directory readable by its owner only', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
  });
});
