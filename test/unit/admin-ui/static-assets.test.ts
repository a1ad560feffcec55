import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, createStaticAssets } from '#lib/admin-ui/static-assets.ts';

describe('static assets of the admin page', () => {
  let dir: string;
  const js = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admin-ui-assets-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'app-ABCDEFGH.js'), js);
    await writeFile(join(dir, '.env'), 'SECRET=1');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const get = (name: string, headers: Record<string, string> = {}, method = 'GET') =>
    createStaticAssets({ dir }).serve({ method, name, headers });

  it('serves index.html revalidated on every load, with the security headers', async () => {
    const res = await get('index.html');
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    });
  });

  it('allows no inline script, no other origin and no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('caches hashed assets for a year, immutable', async () => {
    const res = await get('app-ABCDEFGH.js');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('compresses with brotli or gzip as the browser accepts', async () => {
    const br = await get('app-ABCDEFGH.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(js);
    const gz = await get('app-ABCDEFGH.js', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(js);
    expect((await get('app-ABCDEFGH.js')).body.toString()).toBe(js);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await get('app-ABCDEFGH.js');
    const again = await get('app-ABCDEFGH.js', { 'if-none-match': first.headers['etag']! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('never serves a path outside the directory, a dot file or an unknown type', async () => {
    for (const name of [
      '../package.json',
      '..%2Fpackage.json',
      'sub/app.js',
      '.env',
      'index.html/',
      'missing-ABCDEFGH.js',
      '',
    ]) {
      expect((await get(name)).status, name).toBe(404);
    }
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('index.html', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const post = await get('index.html', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });
});
