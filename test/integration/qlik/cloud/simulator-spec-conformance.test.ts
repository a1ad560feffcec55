/**
 * Every answer the Qlik Cloud simulator gives, across the scenarios the other suites use, must carry what Qlik's
 * published specs require. Runs only where ../shared/specs/qlik-cloud exists (it is not part of this repository).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCloudClient, type CloudRequest } from '#lib/qlik/cloud/cloud-client.ts';
import {
  checkResponse,
  loadQlikCloudSpecs,
  qlikCloudSpecDirectory,
} from '#test/simulators/qlik-cloud/spec-validator.ts';
import { TEST_WEBHOOK_URL } from '#test/simulators/qlik-cloud/index.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  closeAll,
  resetContainer,
  startTenant,
  type Tenant,
} from '#test/integration/qlik/cloud/cloud-tenant.ts';

const specs = loadQlikCloudSpecs();
if (!specs)
  console.warn(`Skipping the Qlik Cloud simulator spec conformance suite: no specs at ${qlikCloudSpecDirectory()}.`);

describe.skipIf(!specs)('Qlik Cloud simulator conforms to the published specs', () => {
  let tenant: Tenant;

  beforeAll(async () => {
    resetContainer();
    tenant = await startTenant();
    const { sim, port } = tenant;

    // The connection test's own traffic: create, reuse, repair, warnings.
    const first = await tenant.run({}, { publicOrigin: 'https://elsewhere.example.com' });
    sim.state.webhooks.disable(first.webhook!.id);
    await tenant.run({ webhook: first.webhook });
    await tenant.run({ webIntegrationId: 'missing-integration' }, { publicOrigin: 'https://elsewhere.example.com' });
    await tenant.run({ clientSecret: 'wrong-secret-000000000000000000000000' });

    // Direct calls for shapes the connection test does not reach.
    const client = getCloudClient(sim.url, { ca: sim.caPem });
    const raw = (req: Omit<CloudRequest, 'throwOnHttpError' | 'followRedirects'>) =>
      client.request({ ...req, throwOnHttpError: false, followRedirects: false });
    const credentials = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'client_credentials' };
    const newToken = async () =>
      ((await raw({ method: 'POST', path: '/oauth/token', json: credentials })).body as { access_token: string })
        .access_token;
    const token = await newToken();
    for (let i = 0; i < 3; i++)
      sim.state.webhooks.seed({ name: `other-${i}`, url: `https://other${i}.example.com/hook` });
    const page = await raw({ method: 'GET', path: '/api/v1/webhooks', query: { limit: 2 }, bearer: token });
    const next = (page.body as { links: { next: { href: string } } }).links.next.href;
    await raw({ method: 'GET', path: new URL(next).pathname + new URL(next).search, bearer: token });
    await raw({ method: 'GET', path: `/api/v1/webhooks/${first.webhook!.id}`, bearer: token });
    await raw({ method: 'GET', path: '/api/v1/webhooks/no-such-webhook', bearer: token });
    await raw({
      method: 'POST',
      path: '/api/v1/webhooks',
      json: { name: 'x', url: 'https://192.0.2.1/hook' },
      bearer: token,
    });
    const extra = await raw({
      method: 'POST',
      path: '/api/v1/webhooks',
      json: { name: 'extra', url: TEST_WEBHOOK_URL, enabled: true },
      bearer: token,
    });
    await raw({
      method: 'PATCH',
      path: `/api/v1/webhooks/${(extra.body as { id: string }).id}`,
      json: [{ op: 'replace', path: '/enabled', value: false }],
      bearer: token,
    });
    await raw({ method: 'DELETE', path: `/api/v1/webhooks/${(extra.body as { id: string }).id}`, bearer: token });
    sim.state.clients.get(CLIENT_ID)!.scopes = ['user_default'];
    await raw({ method: 'GET', path: '/api/v1/webhooks', bearer: await newToken() });
    sim.state.faults.rateLimitStorm = { remaining: 1, retryAfterSeconds: 0 };
    await raw({ method: 'GET', path: '/api/v1/users/me', bearer: token });
    sim.state.faults.tokenEndpointErrors = { remaining: 2, status: 503 };
    await raw({ method: 'POST', path: '/oauth/token', json: credentials });
    expect(port.current).not.toBeNull();
  });
  afterAll(async () => {
    await tenant.close();
    await closeAll();
  });

  it('answers every request with a body the spec allows', () => {
    const failures: string[] = [];
    const undocumented = new Set<string>();
    for (const request of tenant.sim.requests) {
      const { response } = request;
      const contentType =
        response.headers?.['content-type'] ??
        (response.json !== undefined ? 'application/json' : response.text !== undefined ? 'text/plain' : null);
      const verdict = checkResponse(specs!, {
        method: request.method,
        path: request.path,
        status: response.status,
        contentType,
        body: response.json ?? response.text,
      });
      if (!verdict.documented) undocumented.add(`${verdict.operation ?? request.path} → ${response.status}`);
      for (const problem of verdict.problems)
        failures.push(`${request.method} ${request.path} ${response.status}: ${problem}`);
    }
    if (undocumented.size)
      console.info(
        `Statuses the specs leave out, checked against Qlik's generic error body:\n  ${[...undocumented].join('\n  ')}`,
      );

    expect(failures).toEqual([]);
  });

  it('catches an answer that lacks a required property (the checker itself works)', () => {
    const verdict = checkResponse(specs!, {
      method: 'POST',
      path: '/api/v1/webhooks',
      status: 201,
      contentType: 'application/json',
      body: { id: 'w1', name: 'kpimailer', enabled: 'yes' },
    });

    expect(verdict.problems).toEqual(
      expect.arrayContaining(['$: missing required url', '$.enabled: expected boolean, got string']),
    );
  });

  it('covered the success and error shapes of every route the connection test uses', () => {
    const seen = new Set(
      tenant.sim.requests.map(
        (r) =>
          `${r.method} ${r.path.replace(/\/api\/v1\/(users|webhooks|web-integrations)\/[^/]+$/, '/api/v1/$1/{id}')} ${r.response.status}`,
      ),
    );

    expect([...seen]).toEqual(
      expect.arrayContaining([
        'POST /oauth/token 200',
        'POST /oauth/token 401',
        'POST /oauth/token 503',
        'GET /api/v1/users/{id} 301',
        'GET /api/v1/users/{id} 200',
        'GET /api/v1/users/{id} 429',
        'GET /api/v1/webhooks 200',
        'GET /api/v1/webhooks 403',
        'POST /api/v1/webhooks 201',
        'POST /api/v1/webhooks 400',
        'GET /api/v1/webhooks/{id} 200',
        'GET /api/v1/webhooks/{id} 404',
        'PATCH /api/v1/webhooks/{id} 204',
        'DELETE /api/v1/webhooks/{id} 204',
        'GET /api/v1/web-integrations/{id} 200',
        'GET /api/v1/web-integrations/{id} 404',
      ]),
    );
  });
});
