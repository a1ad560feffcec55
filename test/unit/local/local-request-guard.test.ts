import { describe, expect, it } from 'vitest';
import { localRequestGuard } from '#lib/local/local-request-guard.ts';

const guard = localRequestGuard({
  port: 3000,
  publicUrl: 'https://kpimailer.tunnel.example',
  signedPaths: ['/webhooks/qlik-cloud'],
});
const status = (method: string, path: string, headers: Record<string, string>) =>
  guard({ method, path, headers })?.status ?? 'passes';

describe('local request guard', () => {
  it('accepts only its own host names', () => {
    expect(status('GET', '/', { host: '127.0.0.1:3000' })).toBe('passes');
    expect(status('GET', '/', { host: 'LOCALHOST:3000' })).toBe('passes');
    expect(status('GET', '/', { host: 'kpimailer.tunnel.example' })).toBe('passes');
    expect(status('GET', '/', { host: 'localhost:3001' })).toBe(421);
    expect(status('GET', '/', {})).toBe(421);
  });

  it('refuses changes from another origin or without JSON, but not body-less ones from its own page', () => {
    const own = { host: '127.0.0.1:3000' };
    expect(status('POST', '/api/servers/cloud/sync', { ...own, origin: 'http://127.0.0.1:3000' })).toBe('passes');
    expect(
      status('PUT', '/api/servers/cloud', {
        ...own,
        'content-type': 'application/json; charset=utf-8',
        'content-length': '2',
      }),
    ).toBe('passes');
    expect(status('POST', '/api/servers/cloud/sync', { ...own, origin: 'http://localhost:8080' })).toBe(403);
    expect(status('POST', '/api/servers/cloud/test', { ...own, 'content-type': 'text/plain' })).toBe(403);
    expect(
      status('POST', '/api/servers/cloud/test', { ...own, 'content-type': 'multipart/form-data; boundary=x' }),
    ).toBe(403);
    expect(status('POST', '/api/servers/cloud/test', { ...own, 'content-length': '5' })).toBe(403);
    expect(status('GET', '/api/servers', { ...own, origin: 'https://attacker.example' })).toBe('passes');
  });

  it('leaves the signed webhook route to its signature, on its own host names only', () => {
    expect(
      status('POST', '/webhooks/qlik-cloud', {
        host: 'kpimailer.tunnel.example',
        'content-type': 'application/cloudevents+json',
        origin: 'https://x',
      }),
    ).toBe('passes');
    expect(status('POST', '/webhooks/qlik-cloud', { host: 'attacker.example' })).toBe(421);
  });
});
