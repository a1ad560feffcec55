/**
 * `npm run bench -- cloud-429`: how many requests the Qlik Cloud side of the app sync sends into a tier that Qlik
 * has just blocked. The simulated tenant allows 8 Tier 1 requests per 2 s (Qlik: 1,000 a minute, the same shape at
 * a scale a benchmark can reach), answers 429 with `Retry-After` once a window is spent, and answers in 20-60 ms
 * (seeded jitter). Scenarios on that same tenant, BENCH_CLOUD_429_RUNS (3) runs each:
 *   - `sync`: the sync's listing alone (two items chains side by side plus the spaces read);
 *   - `sync+test`: the same listing with a connection test started beside it (same tenant, same container).
 * Per scenario one JSON line: Tier 1 requests sent, 429s received, Retry-After windows, requests sent inside a
 * window after its 429 came back (requests already in flight when it came back do not count; see
 * test/simulators/qlik-cloud/rate-limit-trace.ts), apps listed against the tenant's count, wall ms, and the Tier 1
 * pause figures of the sync and the test.
 */
import { logger } from '#lib/observability/logger.ts';
import { CloudAppListing, SYNC_RATE_LIMIT } from '#lib/qlik/cloud/app-listing.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { closeCloudClients, getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { testCloudConnection } from '#lib/qlik/cloud/cloud-connection-test.ts';
import { clearCloudTokenCache, cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import {
  InMemoryWebhookPort,
  startQlikCloudSimulator,
  TenantApps,
  type QlikCloudSimulator,
} from '#test/simulators/qlik-cloud/index.ts';

const BENCH = 'cloud-429';
const APPS = Number(process.env.BENCH_CLOUD_429_APPS ?? 2_000);
const TIER1_LIMIT = 8;
const TIER1_WINDOW_MS = 2_000;
const LATENCY_MS = 20;
/** Answers take 20-60 ms, so the chains drift apart as they would against a real tenant. */
const LATENCY_JITTER_MS = 40;
const RUNS = Number(process.env.BENCH_CLOUD_429_RUNS ?? 3);
const CLIENT = { clientId: 'bench-429-client', clientSecret: 'bench-429-secret-00112233445566778899aabbccdd' };

const print = (line: Record<string, unknown>) => console.log(JSON.stringify({ bench: BENCH, ...line }));

export async function run(): Promise<void> {
  logger.setLogLevel('ERROR');
  const tenant = new TenantApps({ count: APPS, personalShare: 0.1, seed: 7 });
  const sim = await startQlikCloudSimulator({
    clients: [CLIENT],
    routes: tenant.routes(),
    latencyMs: LATENCY_MS,
    seed: 17,
  });
  sim.state.faults.latencyJitterMs = LATENCY_JITTER_MS;
  try {
    for (const scenario of ['sync', 'sync+test'] as const)
      for (let run = 1; run <= RUNS; run++) await measure(sim, tenant, scenario, run);
  } finally {
    clearCloudTokenCache();
    await closeCloudClients();
    await sim.close();
  }
}

async function measure(
  sim: QlikCloudSimulator,
  tenant: TenantApps,
  scenario: 'sync' | 'sync+test',
  run: number,
): Promise<void> {
  // A fresh container with a warm token, and a tenant whose Tier 1 window starts empty.
  clearCloudTokenCache();
  await closeCloudClients();
  sim.state.tierLimits = { '1': null, '2': null };
  const client = getCloudClient(sim.url, { ca: sim.caPem });
  const tokens = cloudTokenProvider(client, CLIENT.clientId, CLIENT.clientSecret);
  await tokens.getToken();
  await new Promise((resolve) => setTimeout(resolve, TIER1_WINDOW_MS));
  sim.state.tierWindowMs = TIER1_WINDOW_MS;
  sim.state.tierLimits = { '1': TIER1_LIMIT, '2': null };

  const trace = sim.traceRateLimits();
  const started = performance.now();
  const listing = new CloudAppListing(new QlikCloudApi(client, tokens, SYNC_RATE_LIMIT));
  const sync = (async () => {
    let apps = 0;
    for await (const page of listing.pages(new AbortController().signal)) apps += page.length;
    return apps;
  })();
  const test =
    scenario === 'sync+test'
      ? testCloudConnection(
          {
            url: sim.url,
            oauthClientId: CLIENT.clientId,
            clientSecret: CLIENT.clientSecret,
            webIntegrationId: 'bench',
            webhook: null,
          },
          { webhook: new InMemoryWebhookPort(), client: { ca: sim.caPem } },
        )
      : null;
  const [apps, outcome] = await Promise.all([sync.catch((error: unknown) => error), test]);
  const wallMs = Math.round(performance.now() - started);
  trace.stop();

  const tier1 = trace.requests.filter((r) => r.tier === '1');
  print({
    scenario,
    run,
    tier1Limit: `${TIER1_LIMIT} per ${TIER1_WINDOW_MS} ms`,
    tier1Requests: tier1.length,
    tier1Answered429: tier1.filter((r) => r.status === 429).length,
    retryAfterWindows: trace.windows('1').length,
    requestsInsideRetryAfterWindows: trace.sentInsideRetryAfterWindows('1').length,
    appsListed: typeof apps === 'number' ? apps : `failed: ${String(apps)}`,
    appsExpected: tenant.synced().length,
    ...(outcome ? { connectionTestOk: outcome.result.ok } : {}),
    wallMs,
    // How often and how long Tier 1 was paused while each ran (the figures the sync result and the logs carry).
    syncTier1: listing.rateLimits().tier1 ?? null,
    ...(outcome ? { testTier1: outcome.rateLimits.tier1 ?? null } : {}),
  });
  sim.state.tierLimits = { '1': null, '2': null };
}
