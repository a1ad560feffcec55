/**
 * `npm run bench -- cold-start`: every function's bundle next to a bare handler bundled the same way
 * (cold-start/bare-handler.ts: one DynamoDB read, a JSON answer). Per bundle: bytes, then in fresh `node` processes
 * (round-robin over the bundles: 5 rounds, or BENCH_COLD_START_ROUNDS, each measured process after a warm-up one; medians) the import time and
 * the first response, against local stand-ins (dynalite, the local Secrets Manager) holding tables and the webhook signing secret but no configured server. The ratio
 * line per function is the figure to watch (goal: import + first response at most 1.5x the bare handler's).
 *
 * First invocations: settings-api `GET /api/servers`; test-connection `POST /api/servers/cloud/test` with an empty
 * draft (answered 400 by validation, so no Qlik is needed); admin-ui `GET /`; webhook-receiver a signed reload
 * event; reload-monitor and scheduled-sync their scheduled event (no server configured: nothing to do).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildAdminUi } from '#lib/admin-ui/build-admin-ui.ts';
import { auditTable, executionsTable } from '#lib/aws/table-definitions.ts';
import { ensureTables } from '#lib/local/ensure-tables.ts';
import { startLocalDynamoDb } from '#lib/local/local-dynamodb.ts';
import { startLocalSecretsManager } from '#lib/local/local-secrets-manager.ts';
import { QlikCloudState } from '#test/simulators/qlik-cloud/index.ts';
import { reloadFinishedEvent, WebhookSender } from '#test/simulators/qlik-cloud/webhook-delivery.ts';
import { apiEvent } from '#test/support/api-events.ts';
import { appId, prepareStore, SECRET, SECRET_PREFIX, TABLES } from '#test/bench/webhooks.bench.ts';
import {
  bundle,
  bundleDir,
  measure,
  median,
  type Bundle,
  type BundleFigures,
} from '#test/bench/webhooks/cold-start.ts';

const BARE = 'bare handler';
const ROUNDS = Number(process.env['BENCH_COLD_START_ROUNDS'] ?? 5);
const AUDIT_TABLE = 'kpimailer-audit';
const EXECUTIONS_TABLE = 'kpimailer-executions';

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'kpimailer-cold-start-bench-'));
  const dataDir = join(root, 'store');
  const tenant = new QlikCloudState();
  await prepareStore(dataDir, tenant.tenantId);
  const ddb = await startLocalDynamoDb({ path: join(dataDir, 'dynamodb') });
  const sm = await startLocalSecretsManager({ dataDir: join(dataDir, 'secrets') });
  // The settings API and the sync also record an audit trail and read the executions' counts.
  const raw = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials: sm.credentials });
  await ensureTables(raw, [auditTable(AUDIT_TABLE), executionsTable(EXECUTIONS_TABLE)]);
  raw.destroy();
  const adminUiDir = join(root, 'admin-ui');
  await buildAdminUi(adminUiDir);
  // What the stack sets, with the local stand-ins' endpoints; no EventBridge here, so reload events go to the table.
  const env = {
    AWS_REGION: 'us-east-1',
    // The Secrets Manager stand-in answers only the credentials it generated; dynalite takes any.
    AWS_ACCESS_KEY_ID: sm.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sm.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    SECRET_NAME_PREFIX: SECRET_PREFIX,
    SERVERS_TABLE_NAME: TABLES.servers,
    APPS_TABLE_NAME: TABLES.apps,
    RELOAD_EVENTS_TABLE_NAME: TABLES.events,
    AUDIT_TABLE_NAME: AUDIT_TABLE,
    EXECUTIONS_TABLE_NAME: EXECUTIONS_TABLE,
    // Nothing here sends an extraction: the queues point at a closed port, so a send would fail loudly.
    EXTRACTION_QUEUE_URLS: JSON.stringify({ onprem: 'http://127.0.0.1:1/onprem', cloud: 'http://127.0.0.1:1/cloud' }),
    EXTRACTION_DLQ_URLS: JSON.stringify({
      onprem: 'http://127.0.0.1:1/onprem-dlq',
      cloud: 'http://127.0.0.1:1/cloud-dlq',
    }),
    RESULTS_DIR: join(root, 'results'),
    RELOAD_PUBLISHER: 'local',
    SCHEDULED_SYNC_FUNCTION_NAME: 'kpimailer-scheduled-sync',
    POWERTOOLS_SERVICE_NAME: 'kpimailer-qlik',
    ADMIN_UI_DIR: adminUiDir,
  };
  const sender = new WebhookSender(tenant);
  const webhookId = tenant.webhooks.seed({
    name: 'kpimailer',
    url: 'https://kpimailer.example.com/webhooks/qlik-cloud',
    secret: SECRET,
  }).id;
  let n = 0;
  const bundles: Array<[name: string, entry: string, nextEvent: () => unknown]> = [
    [BARE, 'test/bench/cold-start/bare-handler.ts', () => apiEvent('GET', '/api/servers/onprem')],
    ['settings-api', 'functions/settings-api/handler.ts', () => apiEvent('GET', '/api/servers')],
    [
      'test-connection',
      'functions/test-connection/handler.ts',
      () => apiEvent('POST', '/api/servers/cloud/test', { body: {} }),
    ],
    ['admin-ui', 'functions/admin-ui/handler.ts', () => apiEvent('GET', '/')],
    [
      'webhook-receiver',
      'functions/webhook-receiver/handler.ts',
      () => {
        const request = sender.signedRequest(
          webhookId,
          reloadFinishedEvent(tenant, { appId: appId(n), reloadId: `cold-${n++}` }),
        );
        return apiEvent('POST', '/webhooks/qlik-cloud', { rawBody: request.body, headers: request.headers });
      },
    ],
    [
      'reload-monitor',
      'functions/reload-monitor/handler.ts',
      () => ({ source: 'aws.events', 'detail-type': 'Scheduled Event' }),
    ],
    [
      'scheduled-sync',
      'functions/scheduled-sync/handler.ts',
      () => ({ source: 'aws.events', 'detail-type': 'Scheduled Event' }),
    ],
  ];
  try {
    const paths = new Map<string, Bundle>();
    for (const [name, entry] of bundles)
      paths.set(name, await bundle(entry, bundleDir(root, name.replace(/\W+/g, '-'))));
    // Round-robin: each round runs every bundle once (after its own warm-up process), so a load change on a shared
    // machine hits the bare handler and the functions alike instead of skewing the ratios.
    const figures = new Map<string, BundleFigures>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, , nextEvent] of bundles) {
        const once = await measure(paths.get(name)!, env, nextEvent, 1);
        const all = figures.get(name);
        if (!all) figures.set(name, once);
        else
          for (const key of ['importMs', 'firstResponseMs', 'processWallMs', 'statuses'] as const)
            (all[key] as unknown[]).push(...once[key]);
      }
    }
    for (const [name, f] of figures) {
      print({
        measure: 'cold-start',
        bundle: name,
        node: process.version,
        bytes: f.bytes,
        gzipBytes: f.gzipBytes,
        importMedianMs: round1(median(f.importMs)),
        firstResponseMedianMs: round1(median(f.firstResponseMs)),
        importPlusFirstResponseMedianMs: round1(median(f.importMs) + median(f.firstResponseMs)),
        statuses: f.statuses,
        ...(f.calls ? { calls: f.calls } : {}),
      });
    }
    const bare = figures.get(BARE)!;
    const total = (f: BundleFigures) => median(f.importMs) + median(f.firstResponseMs);
    for (const [name, f] of figures) {
      if (name === BARE) continue;
      print({
        measure: 'cold-start-ratio',
        bundle: name,
        goal: 'importPlusFirstResponse at most 1.5x',
        bytes: round1(f.bytes / bare.bytes, 2),
        importTime: round1(median(f.importMs) / median(bare.importMs), 2),
        importPlusFirstResponse: round1(total(f) / total(bare), 2),
      });
    }
  } finally {
    await sm.close();
    await ddb.close();
    // CPU profiles (BENCH_CPU_PROFILE_DIR, see webhooks/cold-start.ts) need the bundles' source maps afterwards.
    if (process.env['BENCH_CPU_PROFILE_DIR']) console.error(`Bundles kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

function print(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'cold-start', ...line }));
}

function round1(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
