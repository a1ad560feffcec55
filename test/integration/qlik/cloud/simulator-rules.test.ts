/**
 * The simulator's own rules, so suites built on it (connection test, app sync, reload events) can trust that it
 * refuses what Qlik Cloud refuses.
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  getCloudClient,
  type CloudRequest,
  type CloudResponse,
  type QlikCloudClient,
} from '#lib/qlik/cloud/cloud-client.ts';
import { QlikCloudRateLimitError } from '#lib/qlik/cloud/cloud-errors.ts';
import { clearRateTierPauses } from '#lib/qlik/cloud/rate-tier-pause.ts';
import { TEST_WEBHOOK_URL } from '#test/simulators/qlik-cloud/index.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  closeAll,
  startTenant,
  type Tenant,
} from '#test/integration/qlik/cloud/cloud-tenant.ts';

describe('Qlik Cloud simulator rules', () => {
  let tenant: Tenant;
  let client: QlikCloudClient;
  const raw = <T = unknown>(
    req: Omit<CloudRequest, 'throwOnHttpError' | 'followRedirects' | 'rateLimit'>,
  ): Promise<CloudResponse<T>> =>
    client.request<T>({
      ...req,
      throwOnHttpError: false,
      followRedirects: false,
      rateLimit: { maxAttempts: 1, maxTotalWaitMs: 0 },
    });
  const token = async (body: Record<string, string> = {}) =>
    raw<{ access_token: string }>({
      method: 'POST',
      path: '/oauth/token',
      json: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'client_credentials', ...body },
    });

  beforeAll(async () => {
    tenant = await startTenant();
    client = getCloudClient(tenant.sim.url, { ca: tenant.sim.caPem });
  });
  beforeEach(() => {
    tenant.sim.state.tierLimits = { '1': null, '2': null };
    // A 429 of an earlier test paused its tier in the client; the lifted limits lift that too.
    clearRateTierPauses();
  });
  afterAll(async () => {
    await tenant.close();
    await closeAll();
  });

  it('issues tokens for JSON and form bodies, and refuses what the spec does not describe (HTTP Basic client authentication)', async () => {
    const dispatcher = new Agent({ connect: { ca: tenant.sim.caPem } });
    const post = async (headers: Record<string, string>, body: string) =>
      (await request(`${tenant.sim.url}/oauth/token`, { method: 'POST', headers, body, dispatcher })).statusCode;
    try {
      expect((await token()).status).toBe(200);
      const form = new URLSearchParams({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_type: 'client_credentials',
      });
      expect(await post({ 'content-type': 'application/x-www-form-urlencoded' }, form.toString())).toBe(200);
      const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
      // Qlik's token spec requires client_id and client_secret in the body; Basic authentication is only inferred
      // from an error description, so the simulator refuses it (and the service never uses it).
      expect(
        await post(
          { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
          'grant_type=client_credentials',
        ),
      ).toBe(400);
      expect(await post({ 'content-type': 'text/plain' }, 'hello')).toBe(400);
      expect(tenant.sim.specViolations).toEqual([
        expect.stringContaining('POST /oauth/token: $body: matches none of the alternatives'),
        expect.stringContaining('POST /oauth/token: content type text/plain'),
      ]);
      tenant.sim.specViolations.splice(0);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a scope the client was not given', async () => {
    const answer = await token({ scope: 'admin.apps' });

    expect(answer.status).toBe(400);
  });

  it('enforces scopes per route with a 403 that does not name the scope', async () => {
    tenant.sim.state.clients.get(CLIENT_ID)!.scopes = ['user_default'];
    const bearer = (await token()).body.access_token;
    tenant.sim.state.clients.get(CLIENT_ID)!.scopes = ['user_default', 'webhooks'];

    const answer = await raw({ method: 'GET', path: '/api/v1/webhooks', bearer });

    expect(answer.status).toBe(403);
    expect(JSON.stringify(answer.body)).not.toContain('webhooks');
  });

  it('limits each tier separately and says when to retry', async () => {
    const bearer = (await token()).body.access_token;
    tenant.sim.state.tierLimits = { '1': 2, '2': null };

    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await raw({ method: 'GET', path: '/api/v1/webhooks', bearer })).status);
    const limited = await raw({ method: 'GET', path: '/api/v1/webhooks', bearer }).catch((error: unknown) => error);
    const write = await raw({
      method: 'POST',
      path: '/api/v1/webhooks',
      json: { name: 'tier2', url: TEST_WEBHOOK_URL },
      bearer,
    });

    expect(statuses).toEqual([200, 200]);
    expect(limited).toBeInstanceOf(QlikCloudRateLimitError);
    expect((limited as QlikCloudRateLimitError).retryAfterMs).toBeGreaterThan(0);
    expect(write.status).toBe(201);
  });

  it('rejects webhook URLs that are not https or use an IP address, and secrets outside 32–64 characters', async () => {
    const bearer = (await token()).body.access_token;
    const create = (body: Record<string, unknown>) =>
      raw({ method: 'POST', path: '/api/v1/webhooks', json: { name: 'x', ...body }, bearer });

    expect((await create({ url: 'http://kpimailer.example.com/hook' })).status).toBe(400);
    expect((await create({ url: 'https://203.0.113.5/hook' })).status).toBe(400);
    expect((await create({ url: TEST_WEBHOOK_URL, secret: 'short' })).status).toBe(400);
    expect((await create({ url: TEST_WEBHOOK_URL, eventTypes: ['com.example.unknown'] })).status).toBe(400);
  });

  it('creates webhooks disabled unless asked, and never returns their secret', async () => {
    const bearer = (await token()).body.access_token;

    const answer = await raw<Record<string, unknown>>({
      method: 'POST',
      path: '/api/v1/webhooks',
      json: { name: 'quiet', url: TEST_WEBHOOK_URL, secret: 's'.repeat(40) },
      bearer,
    });

    expect(answer.body).toMatchObject({ enabled: false, secretKeyAdded: true });
    expect(answer.body).not.toHaveProperty('secret');
  });

  it('only patches the paths Qlik allows', async () => {
    const bearer = (await token()).body.access_token;
    const hook = tenant.sim.state.webhooks.seed({ name: 'p', url: TEST_WEBHOOK_URL });

    const answer = await raw({
      method: 'PATCH',
      path: `/api/v1/webhooks/${hook.id}`,
      json: [{ op: 'replace', path: '/level', value: 'user' }],
      bearer,
    });

    expect(answer.status).toBe(400);
    // Sent on purpose: the spec's request check caught it first.
    expect(tenant.sim.specViolations).toEqual([expect.stringContaining('$body[0].path: "/level" is not one of')]);
    tenant.sim.specViolations.splice(0);
  });

  it('pages webhook lists with limit 1..100 and links.next.href', async () => {
    const bearer = (await token()).body.access_token;

    expect((await raw({ method: 'GET', path: '/api/v1/webhooks', query: { limit: 0 }, bearer })).status).toBe(400);
    expect((await raw({ method: 'GET', path: '/api/v1/webhooks', query: { limit: 101 }, bearer })).status).toBe(400);
    const first = await raw<{ data: unknown[]; links: { next?: { href: string } } }>({
      method: 'GET',
      path: '/api/v1/webhooks',
      query: { limit: 1 },
      bearer,
    });
    expect(first.body.data).toHaveLength(1);
    expect(first.body.links.next?.href).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/v1\/webhooks\?limit=1&next=/);
  });

  it('answers like a plain web server in "not Qlik" mode', async () => {
    tenant.sim.state.faults.notQlik = true;
    try {
      const answer = await raw({ method: 'GET', path: '/api/v1/users/me' });

      expect(answer.status).toBe(404);
      expect(answer.contentType).toContain('text/html');
    } finally {
      tenant.sim.state.faults.notQlik = false;
    }
  });
});
