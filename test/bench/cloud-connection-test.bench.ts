/**
 * Benchmark of the Qlik Cloud connection test against the simulator (not part of `npm test`).
 *
 * 1. With 20 ms injected per request, the two-check test plus webhook handling, reported as wall time in round
 *    trips (wall time / latency) and the requests made: a first test (webhook created), a repeated test in a new
 *    container (new token, webhook reused) and a repeated test in a warm container (cached token).
 * 2. Token endpoint calls over 1,000 API calls spread across one simulated hour, with Qlik's 6 h tokens and with
 *    1 h tokens.
 *
 * Prints one JSON line per measurement. Run: `npx tsx test/bench/cloud-connection-test.bench.ts`.
 */
import { pathToFileURL } from 'node:url';
import { logger } from '#lib/observability/logger.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { closeCloudClients, getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { testCloudConnection } from '#lib/qlik/cloud/cloud-connection-test.ts';
import { CloudTokenProvider, clearCloudTokenCache } from '#lib/qlik/cloud/token-provider.ts';
import type { CloudConnection } from '#lib/connection-test/connection-types.ts';
import {
  InMemoryWebhookPort,
  startQlikCloudSimulator,
  type QlikCloudSimulator,
} from '#test/simulators/qlik-cloud/index.ts';

const LATENCY_MS = 20;
const REPETITIONS = 5;
const CLIENT = { clientId: 'bench-client', clientSecret: 'bench-secret-0123456789abcdef0123456789abcdef' };
const PUBLIC_ORIGIN = 'https://kpimailer.example.com';

export async function run(): Promise<void> {
  // The benchmark's own lines are the JSON results; the service's info logs would drown them.
  logger.setLogLevel('WARN');
  const sim = await startQlikCloudSimulator({ clients: [CLIENT] });
  try {
    await connectionTestRoundTrips(sim);
    await tokenCallsPerHour(sim, 21_600);
    await tokenCallsPerHour(sim, 3_600);
  } finally {
    clearCloudTokenCache();
    await closeCloudClients();
    await sim.close();
  }
}

async function connectionTestRoundTrips(sim: QlikCloudSimulator): Promise<void> {
  const webIntegrationId = sim.state.addWebIntegration([PUBLIC_ORIGIN]).id;
  let port = new InMemoryWebhookPort();
  let connection: CloudConnection = {
    url: sim.url,
    oauthClientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    webIntegrationId,
    webhook: null,
  };
  const newContainer = async () => {
    clearCloudTokenCache();
    await closeCloudClients();
  };
  const freshTenant = async () => {
    for (const webhook of sim.state.webhooks.all()) sim.state.webhooks.delete(webhook.id);
    port = new InMemoryWebhookPort();
    connection = { ...connection, webhook: null };
    await newContainer();
  };
  const once = async () => {
    sim.requests.length = 0;
    const started = performance.now();
    const outcome = await testCloudConnection(connection, {
      webhook: port,
      publicOrigin: PUBLIC_ORIGIN,
      client: { ca: sim.caPem },
    });
    const wallMs = performance.now() - started;
    connection = { ...connection, webhook: outcome.webhook };
    return {
      wallMs,
      outcome,
      waves: waves(sim),
      calls: sim.requests.map((r) => `${r.method} ${r.path}${r.query} → ${r.status}`),
    };
  };

  // Warm-up: module loading and JIT would otherwise land on the first scenario.
  await once();
  sim.state.faults.latencyMs = LATENCY_MS;
  const scenarios: Array<{ name: string; before: () => Promise<void> }> = [
    { name: 'first test, new container: webhook created', before: freshTenant },
    { name: 'repeated test, new container: webhook reused', before: newContainer },
    { name: 'repeated test, warm container: webhook reused', before: async () => undefined },
  ];
  for (const scenario of scenarios) {
    const runs = [];
    for (let i = 0; i < REPETITIONS; i++) {
      await scenario.before();
      runs.push(await once());
    }
    const wall = runs.map((r) => r.wallMs).sort((a, b) => a - b);
    const median = wall[Math.floor(wall.length / 2)]!;
    const last = runs.at(-1)!;
    print({
      measure: 'connection test',
      scenario: scenario.name,
      ok: runs.every((r) => r.outcome.result.ok),
      latencyMs: LATENCY_MS,
      runs: REPETITIONS,
      medianWallMs: Math.round(median),
      roundTrips: Math.round((median / LATENCY_MS) * 10) / 10,
      sequentialRequestWaves: last.waves,
      requests: last.calls.length,
      calls: last.calls,
      authentication: last.outcome.result.checks[1]?.message,
    });
  }
  sim.state.faults.latencyMs = 0;
}

/**
 * Requests on the critical path: a new wave starts when a request begins after every earlier one has answered.
 * Wall time in round trips also counts connection setup, which the simulator's injected latency does not cover.
 */
function waves(sim: QlikCloudSimulator): number {
  let count = 0;
  let answeredBy = -Infinity;
  for (const request of [...sim.requests].sort((a, b) => a.startedAt - b.startedAt)) {
    if (request.startedAt >= answeredBy) count++;
    answeredBy = Math.max(answeredBy, request.startedAt + request.durationMs);
  }
  return count;
}

/** 1,000 API calls, one every 3.6 s of simulated time, through one container's token provider. */
async function tokenCallsPerHour(sim: QlikCloudSimulator, tokenLifetimeSeconds: number): Promise<void> {
  sim.state.tokenLifetimeSeconds = tokenLifetimeSeconds;
  const calls = 1000;
  const stepMs = 3_600_000 / calls;
  let now = Date.now();
  const client = getCloudClient(sim.url, { ca: sim.caPem });
  const tokens = new CloudTokenProvider(client, CLIENT.clientId, CLIENT.clientSecret, { now: () => now });
  const api = new QlikCloudApi(client, tokens);
  const before = sim.state.tokenRequests;
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    await api.get('/api/v1/webhooks', { operation: 'webhooks.list', query: { limit: 1 } });
    now += stepMs;
  }
  print({
    measure: 'token endpoint calls',
    apiCalls: calls,
    simulatedMinutes: 60,
    tokenLifetimeSeconds,
    tokenRequests: sim.state.tokenRequests - before,
    wallMs: Math.round(performance.now() - started),
  });
}

function print(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'cloud-connection-test', ...line }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
