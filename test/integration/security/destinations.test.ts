/**
 * Issue 10 items 1-3 through the real settings and test-connection handlers (DynamoDB Local, the local Secrets
 * Manager, the Qlik Cloud simulator and a foreign TLS server on loopback): a stored secret goes only where it was
 * saved for, the destination policy refuses what it must at save, test and connect time, and nothing a foreign
 * server answers is repeated.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setDefaultCloudClientOptions } from '#lib/qlik/cloud/cloud-client.ts';
import { setHostResolver } from '#lib/qlik/destination-policy.ts';
import { startQlikCloudSimulator, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import { CLIENT_SECRET, onPremDraft, testPki } from '#test/support/server-drafts.ts';
import { startHandlers, type HandlerHarness } from '#test/integration/connection-test/handler-harness.ts';
import { startForeignServer, type ForeignServer } from './foreign-server.ts';

const ANOTHER_TENANT = 'Enter the client secret again to use it with another tenant';

describe('destinations and secrets through the real handlers', () => {
  let sim: QlikCloudSimulator;
  let api: HandlerHarness;
  let foreign: ForeignServer;
  let cloudDraft: Record<string, unknown>;

  beforeAll(async () => {
    sim = await startQlikCloudSimulator({ clients: [{ clientId: 'kpimailer-m2m', clientSecret: CLIENT_SECRET }] });
    // The foreign server's certificate is trusted too, so what it answers really reaches the service.
    setDefaultCloudClientOptions({ ca: [sim.caPem, testPki().ca.certPem] });
    api = await startHandlers({ KPIMAILER_PUBLIC_URL: 'https://kpimailer.example.com' });
    foreign = await startForeignServer();
    cloudDraft = {
      displayName: 'Simulated tenant',
      url: sim.url,
      oauthClientId: 'kpimailer-m2m',
      oauthClientSecret: CLIENT_SECRET,
      webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2',
    };
    expect((await api.call('PUT', '/api/servers/cloud', { body: cloudDraft })).status).toBe(200);
  });
  afterAll(async () => {
    setHostResolver(undefined);
    await foreign?.close();
    await api?.close();
    await sim?.close();
  });
  afterEach(() => {
    process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK = 'true';
    setHostResolver(undefined);
  });

  /** Every item of the servers table (settings and state), as stored. */
  const storedItems = async () =>
    JSON.stringify((await api.aws.documentClient.send(new ScanCommand({ TableName: api.aws.serversTableName }))).Items);
  const fieldsOf = (response: { json: () => { errors?: Array<{ field: string }> } }) =>
    (response.json().errors ?? []).map((e) => e.field);

  describe('a stored secret goes only to the destination it was saved for', () => {
    it('refuses a draft test for another host with a blank secret, and that host receives nothing', async () => {
      const before = foreign.connections;

      const absent = await api.call('POST', '/api/servers/cloud/test', { body: { url: foreign.url } });
      const blank = await api.call('POST', '/api/servers/cloud/test', {
        body: { url: foreign.url, oauthClientSecret: '' },
      });

      for (const response of [absent, blank]) {
        expect(response.status).toBe(400);
        expect(response.json().errors).toEqual([{ field: 'oauthClientSecret', message: ANOTHER_TENANT }]);
      }
      expect(foreign.connections).toBe(before);
      expect(foreign.received).toEqual([]);
    });

    it('refuses another OAuth client ID with the stored secret, on test and on save, and changes nothing', async () => {
      const tokenCalls = () => sim.requests.filter((r) => r.path === '/oauth/token').length;
      const tokensBefore = tokenCalls();
      const storedBefore = await storedItems();

      const tested = await api.call('POST', '/api/servers/cloud/test', {
        body: { oauthClientId: 'someone-elses-client' },
      });
      const view = (await api.call('GET', '/api/servers/cloud')).json();
      const saved = await api.call('PUT', '/api/servers/cloud', {
        body: { ...cloudDraft, url: foreign.url, oauthClientSecret: undefined, version: view.version },
      });

      expect(tested.status).toBe(400);
      expect(tested.json().errors).toEqual([{ field: 'oauthClientSecret', message: ANOTHER_TENANT }]);
      expect(saved.status).toBe(400);
      expect(fieldsOf(saved)).toEqual(['oauthClientSecret']);
      expect(tokenCalls()).toBe(tokensBefore);
      expect(await storedItems()).toBe(storedBefore);
    });

    it('uses the stored secret when the destination is unchanged', async () => {
      const response = await api.call('POST', '/api/servers/cloud/test', { body: { displayName: 'Renamed only' } });

      expect(response.status).toBe(200);
      expect(response.json().ok).toBe(true);
    });
  });

  describe('the destination policy', () => {
    const forbidden = [
      'https://169.254.169.254',
      'https://[fd00:ec2::254]',
      'https://169.254.10.20',
      'https://[fe80::1]',
      'https://[::ffff:169.254.169.254]',
      'https://[64:ff9b::a9fe:a9fe]',
      'https://0.0.0.0',
      'https://224.0.0.1',
    ];

    it.each(forbidden)('refuses %s for Qlik Sense Enterprise on save and on test, naming url', async (url) => {
      const saved = await api.call('PUT', '/api/servers/onprem', { body: onPremDraft({ url }) });
      const tested = await api.call('POST', '/api/servers/onprem/test', { body: onPremDraft({ url }) });

      for (const response of [saved, tested]) {
        expect(response.status).toBe(400);
        expect(fieldsOf(response)).toEqual(['url']);
      }
      expect((await api.call('GET', '/api/servers/onprem')).json().configured).toBe(false);
    });

    it.each([
      ...forbidden,
      'https://acme.example.com',
      'https://acme.eu.qlikcloud.com:8443',
      'https://qlikcloud.com.example.net',
    ])('refuses %s as a Qlik Cloud tenant on save and on test, naming url', async (url) => {
      const version = (await api.call('GET', '/api/servers/cloud')).json().version;
      const saved = await api.call('PUT', '/api/servers/cloud', { body: { ...cloudDraft, url, version } });
      const tested = await api.call('POST', '/api/servers/cloud/test', { body: { ...cloudDraft, url } });

      for (const response of [saved, tested]) {
        expect(response.status).toBe(400);
        expect(fieldsOf(response)).toEqual(['url']);
      }
    });

    it('refuses loopback unless KPIMAILER_ALLOW_LOOPBACK_QLIK=true, and then lets it through', async () => {
      delete process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK;
      const before = foreign.connections;
      const loopbacks = [
        'https://127.0.0.1',
        'https://localhost',
        'https://[::1]',
        'https://[::ffff:127.0.0.1]',
        'https://127.1.2.3',
      ];

      for (const url of loopbacks) {
        const tested = await api.call('POST', '/api/servers/onprem/test', {
          body: onPremDraft({ url, repositoryPort: foreign.port }),
        });
        expect(tested.status, url).toBe(400);
        expect(tested.json().errors, url).toEqual([{ field: 'url', message: expect.stringMatching(/loopback/) }]);
      }
      const cloudTest = await api.call('POST', '/api/servers/cloud/test', { body: cloudDraft });
      expect(fieldsOf(cloudTest)).toEqual(['url']);
      expect(foreign.connections).toBe(before);

      process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK = 'true';
      const allowed = await api.call('POST', '/api/servers/onprem/test', {
        body: onPremDraft({ url: 'https://127.0.0.1', repositoryPort: foreign.port }),
      });
      expect(allowed.status).toBe(200);
      expect(foreign.connections).toBeGreaterThan(before);
    });

    it('refuses a host that resolves to loopback only after the check (DNS rebinding), and that host receives nothing', async () => {
      delete process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK;
      // The first answer (the save/test check) is an ordinary private address, every later one is loopback.
      const asked: string[] = [];
      setHostResolver(async (hostname) => {
        asked.push(hostname);
        return [{ address: asked.length === 1 ? '10.0.0.8' : '127.0.0.1', family: 4 }];
      });
      const before = foreign.connections;

      const response = await api.call('POST', '/api/servers/onprem/test', {
        body: onPremDraft({
          url: 'https://qlik.rebind.test',
          repositoryPort: foreign.port,
          certificateHostName: 'localhost',
        }),
      });

      expect(response.status).toBe(200);
      const [reachable] = response.json().checks;
      expect(reachable).toMatchObject({
        name: 'Server reachable',
        status: 'failed',
        message: expect.stringMatching(/qlik\.rebind\.test \(127\.0\.0\.1\).*loopback/),
      });
      // The connection's own lookup went through the policy: the address it checked is the one it would have used.
      expect(asked.length).toBeGreaterThanOrEqual(2);
      expect(foreign.connections).toBe(before);
    });

    it('accepts a tenant under an operator-listed domain (KPIMAILER_QLIK_CLOUD_HOSTS) that does not resolve here', async () => {
      process.env.KPIMAILER_QLIK_CLOUD_HOSTS = 'analytics.example.net, .qlik.example.org';
      setHostResolver(async () => {
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      });
      try {
        for (const url of ['https://analytics.example.net', 'https://acme.qlik.example.org']) {
          const response = await api.call('POST', '/api/servers/cloud/test', { body: { ...cloudDraft, url } });
          expect(response.status, url).toBe(200);
          expect(response.json().checks[0], url).toMatchObject({
            status: 'failed',
            message: expect.stringMatching(/not found in DNS/),
          });
        }
        const bare = await api.call('POST', '/api/servers/cloud/test', {
          body: { ...cloudDraft, url: 'https://qlik.example.org' },
        });
        expect(fieldsOf(bare)).toEqual(['url']);
      } finally {
        delete process.env.KPIMAILER_QLIK_CLOUD_HOSTS;
      }
    });
  });

  describe('nothing of a foreign answer is reflected', () => {
    it('keeps a foreign Qlik Sense answer out of the check messages and the stored state', async () => {
      const response = await api.call('POST', '/api/servers/onprem/test', {
        body: onPremDraft({ url: 'https://127.0.0.1', repositoryPort: foreign.port }),
      });

      expect(response.status).toBe(200);
      expect(foreign.received.some((r) => r.startsWith('GET /qrs/about'))).toBe(true);
      const authentication = response.json().checks[1];
      expect(authentication).toMatchObject({ status: 'failed', message: expect.stringMatching(/answered 404/) });
      expect(response.body).not.toMatch(/INTERNAL-ONLY-DATA|hunter2/);
      expect(await storedItems()).not.toMatch(/INTERNAL-ONLY-DATA|hunter2/);
    });

    it('keeps a foreign answer out of the Qlik Cloud check messages and the stored state', async () => {
      const response = await api.call('POST', '/api/servers/cloud/test', { body: { ...cloudDraft, url: foreign.url } });

      expect(response.status).toBe(200);
      // Reachability passes on any HTTP answer over verified TLS (issue 15); Authentication is the check that fails.
      // Outside tests only Qlik Cloud hosts are reachable at all, so the secret typed with this draft goes to a tenant.
      const [reachable, authentication] = response.json().checks;
      expect(reachable).toMatchObject({ status: 'passed', message: expect.stringMatching(/HTTP 404/) });
      expect(authentication).toMatchObject({ status: 'failed' });
      expect(response.body).not.toMatch(/INTERNAL-ONLY-DATA|hunter2/);
      expect(await storedItems()).not.toMatch(/INTERNAL-ONLY-DATA|hunter2/);
    });

    it('keeps a foreign answer out of a failed sync', async () => {
      const saved = await api.call('PUT', '/api/servers/onprem', {
        body: onPremDraft({ url: 'https://127.0.0.1', repositoryPort: foreign.port }),
      });
      expect(saved.status).toBe(200);

      expect((await api.call('POST', '/api/servers/onprem/sync')).status).toBe(202);
      let lastSync: { status: string; error: string | null } | null = null;
      for (let i = 0; i < 200 && lastSync?.status !== 'failed'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        lastSync = (await api.call('GET', '/api/servers/onprem')).json().lastSync;
      }

      expect(lastSync).toMatchObject({ status: 'failed', error: expect.stringMatching(/answered 404/) });
      expect(JSON.stringify(lastSync)).not.toMatch(/INTERNAL-ONLY-DATA|hunter2/);
      expect(await storedItems()).not.toMatch(/INTERNAL-ONLY-DATA|hunter2/);
    });
  });

  describe('answer size limits', () => {
    let flood: ForeignServer;
    beforeAll(async () => {
      // A megabyte of JSON where a tiny document is due: QRS /qrs/about, the Qlik Cloud probe.
      flood = await startForeignServer({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ padding: 'x'.repeat(1024 * 1024) }),
      });
    });
    afterAll(async () => {
      await flood?.close();
    });

    it('stops reading an answer larger than its route allows, on both server types', async () => {
      const onprem = await api.call('POST', '/api/servers/onprem/test', {
        body: onPremDraft({ url: 'https://127.0.0.1', repositoryPort: flood.port }),
      });
      const cloud = await api.call('POST', '/api/servers/cloud/test', { body: { ...cloudDraft, url: flood.url } });

      expect(onprem.json().checks[1]).toMatchObject({
        status: 'failed',
        message: expect.stringMatching(/GET \/qrs\/about answered 200: the answer is larger than 64 KiB/),
      });
      expect(cloud.json().checks[0]).toMatchObject({
        status: 'failed',
        message: expect.stringMatching(/larger than 64 KiB/),
      });
    });
  });
});
