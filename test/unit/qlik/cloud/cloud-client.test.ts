import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { getCloudClient, parseRetryAfter, type QlikCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import {
  QlikCloudApiError,
  QlikCloudNetworkError,
  QlikCloudRateLimitError,
  QlikCloudResponseError,
} from '#lib/qlik/cloud/cloud-errors.ts';
import { CloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';

const ORIGIN = 'https://acme.eu.qlikcloud.com';
const JSON_HEADERS = { 'content-type': 'application/json' };

describe('Qlik Cloud HTTP client', () => {
  let agent: MockAgent;
  let client: QlikCloudClient;
  const tenant = () => agent.get(ORIGIN);

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    client = getCloudClient(ORIGIN, { dispatcher: agent });
  });
  afterEach(async () => agent.close());

  describe('redirects', () => {
    it('follows the /users/me redirect on the same tenant, keeping the bearer', async () => {
      tenant()
        .intercept({ path: '/api/v1/users/me', method: 'GET' })
        .reply(301, 'Moved', { headers: { location: `${ORIGIN}:443/api/v1/users/u1` } });
      tenant()
        .intercept({ path: '/api/v1/users/u1', method: 'GET', headers: { authorization: 'Bearer t' } })
        .reply(200, { id: 'u1', name: 'bot' }, { headers: JSON_HEADERS });

      const user = await client.getJson<{ id: string }>('/api/v1/users/me', { bearer: 't', operation: 'users.me' });

      expect(user).toEqual({ id: 'u1', name: 'bot' });
    });

    it('never follows a redirect to another host (the bearer would go with it)', async () => {
      tenant()
        .intercept({ path: '/api/v1/users/me', method: 'GET' })
        .reply(302, '', { headers: { location: 'https://evil.example.com/steal' } });

      await expect(client.getJson('/api/v1/users/me', { bearer: 't' })).rejects.toThrow(/a redirect to another host$/);
    });
  });

  describe('rate limits', () => {
    const storm = (times: number, retryAfter: string) =>
      tenant()
        .intercept({ path: '/api/v1/webhooks', method: 'GET' })
        .reply(
          429,
          { errors: [{ code: 'HTTP-429', title: 'API rate limit reached.' }] },
          { headers: { ...JSON_HEADERS, 'retry-after': retryAfter } },
        )
        .times(times);

    it('retries after Retry-After and returns the answer once the storm clears', async () => {
      storm(2, '0');
      tenant()
        .intercept({ path: '/api/v1/webhooks', method: 'GET' })
        .reply(200, { data: [] }, { headers: JSON_HEADERS });

      await expect(client.getJson('/api/v1/webhooks')).resolves.toEqual({ data: [] });
    });

    it('fails at once, without sleeping, when Retry-After exceeds the total wait cap', async () => {
      storm(1, '120');
      const started = Date.now();

      const error = await client
        .getJson('/api/v1/webhooks', { rateLimit: { maxAttempts: 5, maxTotalWaitMs: 10_000 } })
        .catch((e: unknown) => e);

      expect(Date.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(QlikCloudRateLimitError);
      expect(error).toMatchObject({
        reason: 'wait',
        retryAfterMs: 120_000,
        attempts: 1,
        status: 429,
        code: 'HTTP-429',
      });
    });

    it('fails after the attempts cap', async () => {
      storm(3, '0');

      const error = await client
        .getJson('/api/v1/webhooks', { rateLimit: { maxAttempts: 3, maxTotalWaitMs: 10_000 } })
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'QlikCloudRateLimitError', reason: 'attempts', attempts: 3 });
    });

    it('reads Retry-After as seconds or as an HTTP date', () => {
      const now = Date.parse('2026-03-01T10:00:00Z');
      expect(parseRetryAfter('13', now)).toBe(13_000);
      expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:05 GMT', now)).toBe(5_000);
      expect(parseRetryAfter('soon', now)).toBeNull();
      expect(parseRetryAfter(undefined, now)).toBeNull();
    });
  });

  describe('errors', () => {
    it("keeps Qlik's error body, trace ID, method, path and operation in a typed error", async () => {
      tenant()
        .intercept({ path: '/api/v1/webhooks?name=kpimailer', method: 'GET' })
        .reply(
          403,
          { errors: [{ code: 'HTTP-403', title: 'Forbidden', detail: 'insufficient permissions' }], traceId: 'abc123' },
          { headers: JSON_HEADERS },
        );

      const error = await client
        .getJson('/api/v1/webhooks', { query: { name: 'kpimailer' }, operation: 'webhooks.list' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(QlikCloudApiError);
      expect(error).toMatchObject({
        method: 'GET',
        path: '/api/v1/webhooks',
        status: 403,
        traceId: 'abc123',
        operation: 'webhooks.list',
        errors: [{ code: 'HTTP-403', title: 'Forbidden', detail: 'insufficient permissions' }],
      });
    });

    it('retries one 503 on a GET, but never a POST that creates something', async () => {
      tenant().intercept({ path: '/api/v1/webhooks', method: 'GET' }).reply(503, {}, { headers: JSON_HEADERS });
      tenant()
        .intercept({ path: '/api/v1/webhooks', method: 'GET' })
        .reply(200, { data: [] }, { headers: JSON_HEADERS });
      tenant().intercept({ path: '/api/v1/webhooks', method: 'POST' }).reply(503, {}, { headers: JSON_HEADERS });

      await expect(client.getJson('/api/v1/webhooks')).resolves.toEqual({ data: [] });
      await expect(client.sendJson('POST', '/api/v1/webhooks', {})).rejects.toMatchObject({ status: 503 });
    });

    it('reports a failure without any HTTP answer as a network error with its code', async () => {
      const other = getCloudClient('https://unreachable.example.com', { dispatcher: agent });

      const error = await other.getJson('/api/v1/users/me').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(QlikCloudNetworkError);
      expect(error).toMatchObject({ host: 'unreachable.example.com', path: '/api/v1/users/me' });
    });

    it('rejects a token response that is not JSON', async () => {
      tenant()
        .intercept({ path: '/oauth/token', method: 'POST' })
        .reply(200, '<html></html>', { headers: { 'content-type': 'text/html' } });
      const tokens = new CloudTokenProvider(client, 'id', 'secret-value');

      await expect(tokens.getToken()).rejects.toBeInstanceOf(QlikCloudResponseError);
    });
  });

  describe('paging', () => {
    it('follows links.next.href (with an explicit :443) until there is none', async () => {
      tenant()
        .intercept({ path: '/oauth/token', method: 'POST' })
        .reply(200, { access_token: 'tok', token_type: 'bearer' }, { headers: JSON_HEADERS });
      tenant()
        .intercept({ path: '/api/v1/webhooks?limit=2', method: 'GET' })
        .reply(
          200,
          { data: [{ id: 1 }, { id: 2 }], links: { next: { href: `${ORIGIN}:443/api/v1/webhooks?limit=2&next=c2` } } },
          { headers: JSON_HEADERS },
        );
      tenant()
        .intercept({ path: '/api/v1/webhooks?limit=2&next=c2', method: 'GET' })
        .reply(200, { data: [{ id: 3 }], links: {} }, { headers: JSON_HEADERS });
      const api = new QlikCloudApi(client, new CloudTokenProvider(client, 'id', 'secret-value'));

      const pages: unknown[][] = [];
      for await (const page of api.pages('/api/v1/webhooks', { operation: 'webhooks.list', query: { limit: 2 } }))
        pages.push(page);

      expect(pages).toEqual([[{ id: 1 }, { id: 2 }], [{ id: 3 }]]);
    });
  });
});
