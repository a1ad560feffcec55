import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminUiHandler } from '#lib/admin-ui/admin-ui-handler.ts';
import { buildAdminUi, type AdminUiBuild } from '#lib/admin-ui/build-admin-ui.ts';

const event = (path: string, headers: Record<string, string> = {}, proxy?: string): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: proxy ? 'GET /assets/{proxy+}' : path === '/' ? 'GET /' : '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    pathParameters: proxy ? { proxy } : undefined,
    requestContext: { http: { method: 'GET', path } },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

describe('admin page build and the admin-ui function', () => {
  let dir: string;
  let build: AdminUiBuild;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admin-ui-build-'));
    build = await buildAdminUi(dir);
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes index.html, hashed JavaScript and CSS under 100 KB gzipped', () => {
    console.log(JSON.stringify({ adminUiBytes: build.bytes, adminUiGzipBytes: build.gzipBytes }));
    expect(build.files[0]).toBe('index.html');
    expect(build.files.some((f) => /^app-[A-Z0-9]+\.js$/.test(f))).toBe(true);
    expect(build.files.some((f) => /^app-[A-Z0-9]+\.css$/.test(f))).toBe(true);
    expect(build.gzipBytes).toBeLessThan(100 * 1024);
  });

  it('has no inline script or style, and pins its assets with integrity hashes', async () => {
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    for (const [, name, integrity] of html.matchAll(/(?:src|href)="assets\/(app-[^"]+)" integrity="([^"]+)"/g)) {
      const digest = createHash('sha384')
        .update(await readFile(join(dir, name!)))
        .digest('base64');
      expect(integrity).toBe(`sha384-${digest}`);
    }
  });

  it('keeps server code out of the browser bundle', async () => {
    const js = await readFile(
      join(
        dir,
        build.files.find((f) => f.endsWith('.js'))!,
      ),
      'utf8',
    );
    expect(js).not.toMatch(/ZodError|node:|process\.env|@aws-sdk/);
  });

  it('serves the page at / and its assets under /assets/', async () => {
    const handler = createAdminUiHandler({ assetsDir: dir });
    const page = await handler(event('/'));
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<div id="app"></div>');
    const jsName = build.files.find((f) => f.endsWith('.js'))!;
    const asset = await handler(event(`/assets/${jsName}`, { 'Accept-Encoding': 'gzip' }, jsName));
    expect(asset.statusCode).toBe(200);
    expect(asset.isBase64Encoded).toBe(true);
    expect(asset.headers?.['content-encoding']).toBe('gzip');
  });

  it('finds the asset from the raw path when the route has no path parameter', async () => {
    const handler = createAdminUiHandler({ assetsDir: new URL(`file://${dir}/`) });
    const cssName = build.files.find((f) => f.endsWith('.css'))!;
    expect((await handler(event(`/assets/${cssName}`))).statusCode).toBe(200);
    expect((await handler(event('/other'))).statusCode).toBe(404);
    expect((await handler(event('/assets/..%2Fpackage.json'))).statusCode).toBe(404);
  });
});
