/**
 * Qlik Cloud's rate limits during an app sync, against the cloud simulator with a tight Tier 1 limit (3 requests per
 * 4 s: the sync's first three requests start together, so the limit is reached however loaded the machine is;
 * answers in 20-60 ms so the sync's two items chains and the spaces read drift apart as against a real tenant):
 * once a 429 comes back, nothing of its tier is sent until its Retry-After has passed, whoever sends it; requests
 * already in flight are allowed. "Sent" is when the client handed the request to a connection, measured on the
 * client's side of the wire by the simulator's trace (test/simulators/qlik-cloud/rate-limit-trace.ts).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { closeCloudClients, getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { QlikCloudRateLimitError } from '#lib/qlik/cloud/cloud-errors.ts';
import { testCloudConnection } from '#lib/qlik/cloud/cloud-connection-test.ts';
import { clearRateTierPauses, type RateLimitMetrics } from '#lib/qlik/cloud/rate-tier-pause.ts';
import { clearCloudTokenCache, cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import type { SyncRunResult } from '#lib/repository/app-sync-service.ts';
import {
  InMemoryWebhookPort,
  startQlikCloudSimulator,
  TenantApps,
  TEST_WEBHOOK_URL,
  type QlikCloudSimulator,
  type RateLimitTrace,
} from '#test/simulators/qlik-cloud/index.ts';
import {
  CLOUD_CLIENT,
  startRepository,
  type RepositoryHarness,
} from '#test/integration/repository/repository-harness.ts';

let sim: QlikCloudSimulator;
let tenant: TenantApps;
let repo: RepositoryHarness;
let trace: RateLimitTrace;

beforeAll(async () => {
  tenant = new TenantApps({ count: 1_000, personalShare: 0.1, seed: 11 });
  sim = await startQlikCloudSimulator({ clients: [CLOUD_CLIENT], routes: tenant.routes(), latencyMs: 20, seed: 5 });
  sim.state.faults.latencyJitterMs = 40;
});
afterAll(async () => {
  await closeCloudClients();
  await sim.close();
});

beforeEach(async () => {
  clearCloudTokenCache();
  clearRateTierPauses();
  sim.state.tierLimits = { '1': null, '2': null };
  repo = await startRepository({ cloud: sim });
  await repo.configure('cloud');
  // The token first, while nothing is limited: these tests are about the listing's requests.
  await tokens().getToken();
  sim.state.tierWindowMs = 4_000;
  trace = sim.traceRateLimits();
});
afterEach(async () => {
  trace.stop();
  await repo.close();
});

const client = () => getCloudClient(sim.url, { ca: sim.caPem });
const tokens = () => cloudTokenProvider(client(), CLOUD_CLIENT.clientId, CLOUD_CLIENT.clientSecret);

const rateLimitsOf = (result: SyncRunResult): RateLimitMetrics => ('rateLimits' in result && result.rateLimits) || {};

async function expectTheRightCatalog() {
  const stored = (await repo.stored('cloud')).map((a) => a.appId).sort();
  expect(stored).toEqual(
    tenant
      .synced()
      .map((a) => a.appId)
      .sort(),
  );
}

// Each sync waits out several 4 s windows, and DynamoDB Local is slow on a busy machine.
describe('Qlik Cloud rate limits during a sync', { timeout: 120_000 }, () => {
  it('sends no Tier 1 request inside a Retry-After window once a 429 is back, and still lists every app', async () => {
    sim.state.tierLimits = { '1': 3, '2': null };

    const result = await repo.sync.run({ serverId: 'cloud' });

    expect(result).toMatchObject({ status: 'succeeded', outcome: { total: tenant.synced().length } });
    await expectTheRightCatalog();
    expect(trace.windows('1').length).toBeGreaterThan(0);
    expect(trace.sentInsideRetryAfterWindows('1')).toEqual([]);
    const tier1 = rateLimitsOf(result).tier1;
    expect(tier1?.pauses).toBeGreaterThan(0);
    expect(tier1?.pausedMs).toBeGreaterThan(0);
    expect(tier1?.limited).toBe(trace.windows('1').length);
  });

  it('makes a connection test running beside the sync wait for the pause the sync ran into', async () => {
    sim.state.tierLimits = { '1': 3, '2': null };
    const connection = {
      url: sim.url,
      oauthClientId: CLOUD_CLIENT.clientId,
      clientSecret: CLOUD_CLIENT.clientSecret,
      webIntegrationId: 'wi',
      webhook: null,
    };

    const sync = repo.sync.run({ serverId: 'cloud' });
    await vi.waitFor(() => expect(client().pauses.remainingMs('tier1')).toBeGreaterThan(0), {
      timeout: 30_000,
      interval: 5,
    });
    // This block is the last one, so the test's waits stay inside its own short cap (it would rather fail than wait long).
    sim.state.tierLimits = { '1': null, '2': null };
    const test = await testCloudConnection(connection, {
      webhook: new InMemoryWebhookPort(),
      client: { ca: sim.caPem },
    });
    const result = await sync;

    expect(test.result.ok).toBe(true);
    expect(test.rateLimits.tier1?.pauses).toBeGreaterThan(0);
    expect(test.rateLimits.tier1?.waits).toBeGreaterThan(0);
    expect(result).toMatchObject({ status: 'succeeded', outcome: { total: tenant.synced().length } });
    await expectTheRightCatalog();
    const testReads = trace.requests.filter((r) => r.tier === '1' && r.path.startsWith('/api/v1/users'));
    expect(testReads.length).toBeGreaterThan(0);
    expect(trace.sentInsideRetryAfterWindows('1')).toEqual([]);
  });

  it('keeps reading at full speed while a Tier 2 429 pauses only Tier 2', async () => {
    sim.state.tierWindowsMs = { '2': 60_000 };
    sim.state.tierLimits = { '1': null, '2': 0 };
    const api = new QlikCloudApi(client(), tokens(), { maxAttempts: 1, maxTotalWaitMs: 0 });
    const write = await api
      .post('/api/v1/webhooks', { name: 'kpimailer', url: TEST_WEBHOOK_URL }, { operation: 'webhooks.create' })
      .catch((e: unknown) => e);
    expect(write).toBeInstanceOf(QlikCloudRateLimitError);

    const result = await repo.sync.run({ serverId: 'cloud' });

    expect(result).toMatchObject({ status: 'succeeded', outcome: { total: tenant.synced().length } });
    await expectTheRightCatalog();
    expect(rateLimitsOf(result).tier1).toBeUndefined();
    const [tier2Window] = trace.windows('2');
    const readsInsideIt = trace.requests.filter(
      (r) => r.tier === '1' && r.dispatchedAt > tier2Window!.from && r.dispatchedAt < tier2Window!.until,
    );
    expect(readsInsideIt.length).toBe(trace.requests.filter((r) => r.tier === '1').length);
    expect(client().pauses.remainingMs('tier2')).toBeGreaterThan(0);
    sim.state.tierWindowsMs = {};
  });
});
