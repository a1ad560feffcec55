/**
 * Benchmark of the on-premise connection test against the Qlik Sense Enterprise simulator (not part of
 * `npm test`). With 20 ms injected before every answer (QRS, the Proxy Service API and the proxy), the whole
 * five-check test on an already-provisioned site, the session proof through the virtual proxy included, must take
 * at most 8 round trips of wall time beyond the TLS handshakes. The proof (ticket, redemption, identity, close)
 * runs side by side with the QRS checks.
 *
 * Figures (median of several runs, each a new test with new connections, as the API does): wall ms, requests made
 * (QRS and proxy service), client-side TLS handshake ms (the longest of the three, which run side by side: QRS,
 * Proxy Service API, proxy), round trips = (wall - handshakes) / latency, and QRS TLS handshakes counted by the simulator
 * ('secureConnection' events). The fresh-site test is reported too, for comparison.
 *
 * Prints one JSON line per figure. Run: `npx tsx test/bench/onprem-connection-test.bench.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { logger } from '#lib/observability/logger.ts';
import { testOnPremConnection } from '#lib/qlik/onprem/onprem-connection-test.ts';
import type { ProxySessions } from '#lib/qlik/onprem/proxy-session.ts';
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';

const BENCH = 'onprem-connection-test';
const LATENCY_MS = 20;
const RUNS = 7;
const ROUND_TRIP_BUDGET = 8;

interface Sample {
  wallMs: number;
  requests: number;
  proxyServiceRequests: string[];
  handshakeMs: number;
  clientHandshakes: number;
  serverHandshakes: number;
  ok: boolean;
  calls: string[];
}

async function measure(sim: QlikSenseSimulator): Promise<Sample> {
  sim.clearRequests();
  const handshakesBefore = sim.tls.handshakes;
  sim.proxy.requests.splice(0);
  let qrs: QrsClient | undefined;
  let sessions: ProxySessions | undefined;
  const started = performance.now();
  const { result } = await testOnPremConnection(sim.connection(), {
    onClient: (client) => (qrs = client),
    onSessions: (s) => (sessions = s),
  });
  const wallMs = performance.now() - started;
  // All three handshakes start together (the proxy's is opened while the ticket is requested): the longest counts.
  const sessionChain = Math.max(sessions!.qps.tls.lastHandshakeMs ?? 0, sessions!.proxyTls.lastHandshakeMs ?? 0);
  return {
    wallMs,
    requests: qrs!.requestCount,
    proxyServiceRequests: sim.proxy.requests.map((r) => `${r.listener} ${r.method} ${r.path} ${r.status}`),
    handshakeMs: Math.max(qrs!.tls.lastHandshakeMs ?? 0, sessionChain),
    clientHandshakes: qrs!.tls.handshakes,
    serverHandshakes: sim.tls.handshakes - handshakesBefore,
    ok: result.ok,
    calls: sim.requests.map((r) => `${r.method} ${r.path}`),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round1 = (n: number) => Math.round(n * 10) / 10;

function report(site: string, samples: Sample[]): void {
  const line = (metric: string, value: number, extra: Record<string, unknown> = {}) =>
    console.log(JSON.stringify({ bench: BENCH, site, latencyMs: LATENCY_MS, metric, value, ...extra }));
  const wall = median(samples.map((s) => s.wallMs));
  const handshake = median(samples.map((s) => s.handshakeMs));
  line('wall ms (median)', Math.round(wall), { samples: samples.map((s) => Math.round(s.wallMs)) });
  line('QRS requests made', samples[0]!.requests, { calls: samples[0]!.calls });
  line('proxy service requests made', samples[0]!.proxyServiceRequests.length, {
    calls: samples[0]!.proxyServiceRequests,
  });
  line('TLS handshake ms, longest of QRS / Proxy Service API / proxy (median, client side)', round1(handshake));
  line(
    'round trips beyond the TLS handshakes',
    round1((wall - handshake) / LATENCY_MS),
    site === 'provisioned' ? { budget: ROUND_TRIP_BUDGET } : {},
  );
  line(
    'TLS handshakes per test (simulator secureConnection events)',
    Math.max(...samples.map((s) => s.serverHandshakes)),
    {
      clientSide: Math.max(...samples.map((s) => s.clientHandshakes)),
    },
  );
  line('all checks passed', samples.every((s) => s.ok) ? 1 : 0);
}

export async function run(): Promise<void> {
  // The benchmark's own lines are the results; the service's logs would drown them.
  logger.setLogLevel('WARN');
  const fresh: Sample[] = [];
  const provisioned: Sample[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    // A new site each time, so every fresh-site sample really provisions.
    const sim = await startQlikSenseSimulator({ latencyMs: LATENCY_MS });
    try {
      fresh.push(await measure(sim));
      provisioned.push(await measure(sim));
    } finally {
      await sim.close();
    }
  }
  report('fresh', fresh);
  report('provisioned', provisioned);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
