import { createServer } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testCloudConnection } from '#lib/qlik/cloud/cloud-connection-test.ts';
import { InMemoryWebhookPort } from '#test/simulators/qlik-cloud/index.ts';
import {
  CLIENT_SECRET,
  PUBLIC_ORIGIN,
  calls,
  closeAll,
  resetContainer,
  startTenant,
  type Tenant,
} from '#test/integration/qlik/cloud/cloud-tenant.ts';

describe('Qlik Cloud connection test', () => {
  let tenant: Tenant;

  beforeEach(async () => {
    resetContainer();
    tenant = await startTenant();
  });
  afterEach(async () => tenant.close());
  afterAll(closeAll);

  const [reachable, authentication] = [0, 1];

  describe('Server reachable', () => {
    it('passes on any HTTP answer over verified TLS, and leaves telling a tenant from another server to Authentication', async () => {
      // Prepare: the host answers every request with an HTML 404, as a WAF or a changed front end might.
      tenant.sim.state.faults.notQlik = true;

      // Act
      const { result } = await tenant.run();

      // Assess
      expect(result.checks[reachable]).toMatchObject({ status: 'passed' });
      expect(result.checks[reachable]!.message).toMatch(/over verified TLS; it answered HTTP 404/);
      expect(result.checks[authentication]).toMatchObject({ status: 'failed' });
      expect(tenant.sim.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/users/me', authenticated: false });
    });

    it('tells a wrong host that refuses connections', async () => {
      // Prepare: a port nobody listens on.
      const closedPort = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as { port: number };
          server.close(() => resolve(port));
        });
      });

      // Act
      const { result } = await tenant.run({ url: `https://127.0.0.1:${closedPort}` });

      // Assess
      expect(result.checks[reachable]!.message).toContain(
        `127.0.0.1:${closedPort} refused the connection (ECONNREFUSED)`,
      );
      expect(result.checks[authentication]!.status).toBe('skipped');
    });

    it('tells an untrusted TLS certificate (an intercepting proxy) from a wrong host', async () => {
      // Act: no CA passed, so the simulator's certificate is not trusted.
      const { result } = await testCloudConnection(tenant.connection, { webhook: tenant.port });

      // Assess
      expect(result.checks[reachable]!.message).toMatch(
        /is not signed by a trusted authority \([A-Z_]+\)\. .*proxy that intercepts TLS/,
      );
    });
  });

  describe('Authentication', () => {
    it('says the client ID or secret is wrong when the secret is wrong', async () => {
      const { result, webhook } = await tenant.run({ clientSecret: 'wrong-secret-0000000000000000000000000' });

      expect(result.checks[reachable]!.status).toBe('passed');
      expect(result.checks[authentication]!.status).toBe('failed');
      expect(result.checks[authentication]!.message).toContain('the client ID or secret is wrong');
      expect(webhook).toBeNull();
    });

    it('says the client ID or secret is wrong when the client ID is unknown', async () => {
      const { result } = await tenant.run({ oauthClientId: 'no-such-client' });

      expect(result.checks[authentication]!.message).toContain('the client ID or secret is wrong');
    });

    it('asks to set the consent method to Trusted when the client is not trusted', async () => {
      // Prepare
      tenant.sim.state.clients.get(tenant.connection.oauthClientId)!.consentMethod = 'required';

      // Act
      const { result } = await tenant.run();

      // Assess
      expect(result.checks[authentication]!.message).toMatch(/Set the OAuth client's consent method to Trusted/);
    });

    it('reports a token endpoint that keeps failing with 5xx as Qlik-side', async () => {
      tenant.sim.state.faults.tokenEndpointErrors = { remaining: 10, status: 503 };

      const { result } = await tenant.run();

      expect(result.checks[authentication]!.message).toMatch(
        /token endpoint failed \(HTTP 503\)\. This is on Qlik's side/,
      );
      // One quick retry, then the failure is reported.
      expect(calls(tenant.sim).filter((c) => c === 'POST /oauth/token')).toHaveLength(2);
    });

    it('rides out a single 5xx from the token endpoint', async () => {
      tenant.sim.state.faults.tokenEndpointErrors = { remaining: 1, status: 502 };

      const { result } = await tenant.run();

      expect(result.ok).toBe(true);
    });

    it('survives a token that expires mid-test with one shared refresh', async () => {
      // Prepare: a warm container holds a token, which dies right after the next API call.
      await tenant.run();
      tenant.sim.state.faults.expireTokensAfterCalls = 1;

      // Act
      const { result } = await tenant.run();

      // Assess
      expect(result.ok).toBe(true);
      expect(tenant.sim.requests.some((r) => r.status === 401)).toBe(true);
      // The concurrent calls that hit 401 share one new token.
      expect(tenant.sim.state.tokenRequests).toBe(2);
    });

    it('fails clearly when Qlik rejects even a fresh token', async () => {
      tenant.sim.state.faults.tokenUsesBeforeExpiry = 0;

      const { result } = await tenant.run();

      expect(result.checks[authentication]!.message).toMatch(
        /issued a token but then rejected it on GET \/api\/v1\/users\/me, also after fetching a fresh one/,
      );
    });
  });

  describe('rate limits', () => {
    it('waits out a 429 storm that clears within the cap', async () => {
      tenant.sim.state.faults.rateLimitStorm = { remaining: 2, retryAfterSeconds: 1 };

      const started = Date.now();
      const { result } = await tenant.run();

      expect(result.ok).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(tenant.sim.requests.filter((r) => r.status === 429)).toHaveLength(2);
    });

    it('fails at once when Qlik asks for a longer wait than the test may take', async () => {
      tenant.sim.state.faults.rateLimitStorm = { remaining: 100, retryAfterSeconds: 30, pathPrefix: '/oauth/token' };

      const started = Date.now();
      const { result } = await tenant.run();

      expect(Date.now() - started).toBeLessThan(5000);
      expect(result.checks[authentication]!.message).toMatch(
        /rate-limiting KPImailer's requests \(429 on POST \/oauth\/token\) and asked to wait 30 s, longer than this request may wait/,
      );
    });

    it('fails after the attempts cap when the storm does not clear', async () => {
      tenant.sim.state.faults.rateLimitStorm = { remaining: 100, retryAfterSeconds: 0, pathPrefix: '/api/v1/users' };

      const { result } = await tenant.run();

      expect(result.checks[reachable]!.message).toBe(
        "Qlik Cloud is rate-limiting KPImailer's requests (429 on GET /api/v1/users/me) and still refused after 4 tries. " +
          'Another tool using the same OAuth client shares its limits; try again in a minute.',
      );
    });
  });

  describe('permissions', () => {
    it('names the webhooks scope and the "Use webhooks" permission when the client lacks it', async () => {
      // Prepare
      const client = tenant.sim.state.clients.get(tenant.connection.oauthClientId)!;
      client.scopes = client.scopes.filter((s) => s !== 'webhooks');

      // Act
      const { result, webhook } = await tenant.run();

      // Assess
      const message = result.checks[authentication]!.message;
      expect(result.checks[authentication]!.status).toBe('failed');
      expect(message).toMatch(
        /^Signed in as .+ The reload webhook could not be set up: Qlik Cloud refused to list webhooks \(403 HTTP-403\)\./,
      );
      expect(message).toContain('Add the `webhooks` scope');
      expect(message).toContain('"Use webhooks" permission');
      expect(message).not.toContain('403 Forbidden');
      expect(webhook).toBeNull();
    });

    it('names TenantAdmin when the bot user may not create tenant-level webhooks', async () => {
      tenant.sim.state.clients.get(tenant.connection.oauthClientId)!.tenantAdmin = false;

      const { result } = await tenant.run();

      expect(result.checks[authentication]!.message).toMatch(
        /refused to create the reload webhook \(403 HTTP-403\).*TenantAdmin role/,
      );
    });

    it('names the user_default scope when /users/me is refused', async () => {
      const client = tenant.sim.state.clients.get(tenant.connection.oauthClientId)!;
      client.scopes = client.scopes.filter((s) => s !== 'user_default');

      const { result } = await tenant.run();

      expect(result.checks[authentication]!.message).toMatch(
        /A token was issued, but Qlik Cloud refused to read the OAuth client's own user .*`user_default` scope/,
      );
    });
  });

  describe('web integration', () => {
    it('warns, without failing a check, when this origin is not allowed', async () => {
      const { result, warnings } = await tenant.run({}, { publicOrigin: 'https://reports.example.org' });

      expect(result.ok).toBe(true);
      expect(warnings).toEqual([
        expect.stringContaining(
          `Add https://reports.example.org to the allowed origins of web integration ${tenant.webIntegrationId}`,
        ),
      ]);
    });

    it('stays quiet when the origin is allowed', async () => {
      const { warnings } = await tenant.run({}, { publicOrigin: `${PUBLIC_ORIGIN}/` });

      expect(warnings).toEqual([]);
    });

    it('warns when the web integration ID does not exist', async () => {
      const { result, warnings } = await tenant.run(
        { webIntegrationId: 'doesnotexist123' },
        { publicOrigin: PUBLIC_ORIGIN },
      );

      expect(result.ok).toBe(true);
      expect(warnings).toEqual([
        expect.stringContaining('Web integration doesnotexist123 does not exist in this tenant'),
      ]);
    });
  });

  it('reports progress after each check and never puts a secret or token in a message or a log line', async () => {
    const progress: string[][] = [];
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    let outcome;
    try {
      outcome = await tenant.run({}, { onProgress: (checks) => progress.push(checks.map((c) => c.status)) });
      await tenant.run({ clientSecret: 'wrong-secret-0000000000000000000000000' });
    } finally {
      spy.mockRestore();
    }

    expect(progress).toEqual([
      ['passed', 'skipped'],
      ['passed', 'passed'],
    ]);
    const text = JSON.stringify(outcome) + written.join('');
    const secrets = [CLIENT_SECRET, tenant.port.current!, ...tenant.sim.state.tokens.keys()];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('uses the webhook port it is given, e.g. a second deployment gets its own webhook', async () => {
    await tenant.run();
    const other = new InMemoryWebhookPort('https://staging.example.com/webhooks/qlik-cloud');

    const { result } = await testCloudConnection(tenant.connection, {
      webhook: other,
      client: { ca: tenant.sim.caPem },
    });

    expect(result.checks[authentication]!.message).toContain('Reload webhook created');
    expect(tenant.sim.state.webhooks.all()).toHaveLength(2);
  });
});
