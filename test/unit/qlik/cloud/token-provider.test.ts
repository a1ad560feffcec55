import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { QlikCloudApiError, QlikCloudResponseError } from '#lib/qlik/cloud/cloud-errors.ts';
import { CloudTokenProvider, clearCloudTokenCache, cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';

const ORIGIN = 'https://acme.eu.qlikcloud.com';
const JSON_HEADERS = { headers: { 'content-type': 'application/json' } };

describe('Qlik Cloud token cache', () => {
  let agent: MockAgent;
  let now: number;
  let issued: number;
  let provider: CloudTokenProvider;

  /** Answers token requests with numbered tokens; `body` overrides the answer's fields. */
  const answerTokens = (body: Record<string, unknown> = { expires_in: 21_600 }, times = 10) =>
    agent
      .get(ORIGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(() => ({
        statusCode: 200,
        data: { access_token: `token-${++issued}`, token_type: 'bearer', ...body },
        responseOptions: JSON_HEADERS,
      }))
      .times(times);

  beforeEach(() => {
    // Prepare
    agent = new MockAgent();
    agent.disableNetConnect();
    now = 1_000_000;
    issued = 0;
    const client = getCloudClient(ORIGIN, { dispatcher: agent });
    provider = new CloudTokenProvider(client, 'client-id', 'client-secret-value', { now: () => now });
  });
  afterEach(async () => {
    clearCloudTokenCache();
    await agent.close();
  });

  it('reuses a token until shortly before expires_in runs out', async () => {
    answerTokens({ expires_in: 3600 });

    expect(await provider.getToken()).toBe('token-1');
    now += 3540_000 - 1; // one minute before expiry, minus a millisecond
    expect(await provider.getToken()).toBe('token-1');
    now += 1;
    expect(await provider.getToken()).toBe('token-2');
    expect(provider.tokenRequests).toBe(2);
  });

  it('falls back to expires_at when expires_in is absent', async () => {
    answerTokens({ expires_at: new Date(now + 600_000).toISOString() });

    await provider.getToken();
    now += 539_999; // the margin is a tenth of a 10-minute lifetime
    expect(await provider.getToken()).toBe('token-1');
    now += 1;
    expect(await provider.getToken()).toBe('token-2');
  });

  it('sends one token request for many concurrent callers', async () => {
    answerTokens();

    const tokens = await Promise.all(Array.from({ length: 25 }, () => provider.getToken()));

    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(provider.tokenRequests).toBe(1);
  });

  it('lets the next caller try again after a failed token request', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(401, { errors: [{ code: 'HTTP-401', title: 'Unauthorized' }] }, JSON_HEADERS);
    answerTokens();

    await expect(provider.getToken()).rejects.toMatchObject({ status: 401, operation: 'oauth.token' });
    expect(await provider.getToken()).toBe('token-1');
  });

  it('drops the token on a 401 and retries the call once with a fresh token', async () => {
    answerTokens();
    const seen: string[] = [];

    const result = await provider.withToken(async (token) => {
      seen.push(token);
      if (token === 'token-1') throw apiError(401);
      return 'done';
    });

    expect(result).toBe('done');
    expect(seen).toEqual(['token-1', 'token-2']);
  });

  it('retries only once: a second 401 reaches the caller', async () => {
    answerTokens();
    let calls = 0;

    const attempt = provider.withToken(async () => {
      calls++;
      throw apiError(401);
    });

    await expect(attempt).rejects.toMatchObject({ status: 401 });
    expect(calls).toBe(2);
    expect(provider.tokenRequests).toBe(2);
  });

  it('does not retry other errors, such as a 403', async () => {
    answerTokens();
    let calls = 0;

    await expect(
      provider.withToken(async () => {
        calls++;
        throw apiError(403);
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(calls).toBe(1);
  });

  it('keeps a newer token when a late 401 reports an older one', async () => {
    answerTokens();
    const old = await provider.getToken();
    provider.invalidate(old);
    const fresh = await provider.getToken();

    provider.invalidate(old);

    expect(await provider.getToken()).toBe(fresh);
  });

  it('accepts "Bearer" in any case and rejects other token types', async () => {
    answerTokens({ token_type: 'Bearer', expires_in: 60 }, 1);
    expect(await provider.getToken()).toBe('token-1');

    now += 60_000;
    answerTokens({ token_type: 'mac' }, 1);
    await expect(provider.getToken()).rejects.toBeInstanceOf(QlikCloudResponseError);
  });

  it('posts client_credentials as JSON, without a scope unless one is configured', async () => {
    let body: unknown;
    agent
      .get(ORIGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply((options) => {
        body = JSON.parse(String(options.body));
        return {
          statusCode: 200,
          data: { access_token: 'x-token', token_type: 'bearer' },
          responseOptions: JSON_HEADERS,
        };
      });

    await provider.getToken();

    expect(body).toEqual({
      client_id: 'client-id',
      client_secret: 'client-secret-value',
      grant_type: 'client_credentials',
    });
  });

  it('shares one provider per container for a tenant and client, but not across secrets', () => {
    const client = getCloudClient(ORIGIN);

    const a = cloudTokenProvider(client, 'client-id', 'secret-one');
    const b = cloudTokenProvider(client, 'client-id', 'secret-one');
    const c = cloudTokenProvider(client, 'client-id', 'secret-two');

    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});

function apiError(status: number): QlikCloudApiError {
  return new QlikCloudApiError({
    method: 'GET',
    path: '/api/v1/users/me',
    status,
    errors: [],
    traceId: null,
    contentType: null,
    operation: 'users.me',
  });
}
