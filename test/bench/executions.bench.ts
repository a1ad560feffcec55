/**
 * `npm run bench -- executions`: 1,000 Qlik Cloud extractions with Max parallel executions N = 4 and 100 ms of
 * simulated Qlik time each (the Reports API simulator: queued, processing, done), through `npm start`'s own runtime:
 * its embedded SQS on loopback, its event source pollers, the real extraction-worker handler, dynalite, the results
 * folder. One JSON line with:
 *   - wallMs (first submit to last finish), submitMs (first to last submit, while extractions already run),
 *     idealMs = 1,000 x 100 / 4, ratio (target ≤ 1.10);
 *   - peakInFlight at Qlik's side (must be exactly 4) and the queue wait (startedAt - queuedAt) p50/p99/max.
 * BENCH_EXECUTIONS_COUNT, BENCH_EXECUTIONS_LIMIT and BENCH_EXECUTIONS_QLIK_MS change the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const COUNT = Number(process.env.BENCH_EXECUTIONS_COUNT ?? 1000);
const LIMIT = Number(process.env.BENCH_EXECUTIONS_LIMIT ?? 4);
const QLIK_MS = Number(process.env.BENCH_EXECUTIONS_QLIK_MS ?? 100);
const CLIENT = { clientId: 'bench-executions', clientSecret: 'bench-executions-secret-0123456789abcdef' };

export async function run(): Promise<void> {
  // The logger reads its level when first imported: set it before the runtime's modules load.
  process.env.LOG_LEVEL ??= 'WARN';
  const [
    { startLocalRuntime },
    { setDefaultCloudClientOptions },
    { reportRoutes, SimReports, startQlikCloudSimulator },
  ] = await Promise.all([
    import('#lib/local/local-runtime.ts'),
    import('#lib/qlik/cloud/cloud-client.ts'),
    import('#test/simulators/qlik-cloud/index.ts'),
  ]);
  const reports = new SimReports();
  reports.queuedMs = Math.round(QLIK_MS / 10);
  reports.processingMs = QLIK_MS - reports.queuedMs;
  const sim = await startQlikCloudSimulator({ clients: [CLIENT], routes: reportRoutes(reports) });
  setDefaultCloudClientOptions({ ca: sim.caPem });
  const dataDir = mkdtempSync(join(tmpdir(), 'kpimailer-bench-executions-'));
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    env: {
      KPIMAILER_QLIK_CLOUD_HOSTS: '127.0.0.1',
      APP_SYNC_INTERVAL_SECONDS: '0',
      RELOAD_MONITOR_INTERVAL_SECONDS: '0',
    },
  });
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), origin: runtime.url },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  try {
    await api('PUT', '/api/servers/cloud', {
      displayName: 'Bench tenant',
      url: sim.url,
      oauthClientId: CLIENT.clientId,
      oauthClientSecret: CLIENT.clientSecret,
      webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2_r1Zt6s',
      maxParallelExecutions: LIMIT,
    });
    // One warm-up extraction: the token, the TLS pool and the poll timing are learned once per container in AWS too.
    const warmUp = (
      await api('POST', '/api/servers/cloud/executions', { appId: 'bench-app', kind: 'data', objectId: 'warm-up' })
    ).executionId as string;
    while ((await api('GET', `/api/executions/${warmUp}`)).status !== 'succeeded')
      await new Promise((resolve) => setTimeout(resolve, 50));
    reports.resetPeak();
    const before = reports.downloaded;

    const ids: string[] = [];
    for (let i = 0; i < COUNT; i += 25) {
      const batch = Array.from({ length: Math.min(25, COUNT - i) }, (_, j) =>
        api('POST', '/api/servers/cloud/executions', { appId: 'bench-app', kind: 'data', objectId: `obj-${i + j}` }),
      );
      ids.push(...(await Promise.all(batch)).map((r) => r.executionId as string));
    }
    while (reports.downloaded - before < COUNT) await new Promise((resolve) => setTimeout(resolve, 100));
    const views = [];
    for (let i = 0; i < ids.length; i += 50)
      views.push(...(await Promise.all(ids.slice(i, i + 50).map((id) => api('GET', `/api/executions/${id}`)))));
    while (views.some((v) => v.status !== 'succeeded')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const [i, v] of views.entries())
        if (v.status !== 'succeeded') views[i] = await api('GET', `/api/executions/${v.executionId as string}`);
    }
    const first = Math.min(...views.map((v) => Date.parse(v.queuedAt as string)));
    const lastQueued = Math.max(...views.map((v) => Date.parse(v.queuedAt as string)));
    const last = Math.max(...views.map((v) => Date.parse(v.finishedAt as string)));
    const waits = views
      .map((v) => Date.parse(v.startedAt as string) - Date.parse(v.queuedAt as string))
      .sort((a, b) => a - b);
    const idealMs = (COUNT * QLIK_MS) / LIMIT;
    const wallMs = last - first;
    console.log(
      JSON.stringify({
        bench: 'executions',
        extractions: COUNT,
        limit: LIMIT,
        qlikMs: QLIK_MS,
        wallMs,
        submitMs: lastQueued - first,
        idealMs,
        ratio: Number((wallMs / idealMs).toFixed(3)),
        target: 1.1,
        peakInFlight: reports.peakInFlight,
        queueWaitMs: {
          p50: waits[Math.floor(waits.length * 0.5)],
          p99: waits[Math.floor(waits.length * 0.99)],
          max: waits.at(-1),
        },
        attempts: views.reduce((sum, v) => sum + (v.attempts as number), 0),
      }),
    );
  } finally {
    await runtime.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
