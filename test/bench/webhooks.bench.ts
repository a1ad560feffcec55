/**
 * `npm run bench -- webhooks`: the Qlik Cloud webhook receiver (not part of `npm test`; prints JSON lines).
 *
 * 1. Throughput through the local runtime, started as a developer starts it (`npm start`, its own process, on
 *    dynalite and the local Secrets Manager): 5,000 signed `com.qlik.v1.reload.finished` deliveries from 32
 *    concurrent senders, after a warm-up. Reports events/s and p50/p99 latency, then stops the runtime and counts in
 *    its store that every event has exactly one history record and one publish (none lost, none duplicated).
 * 2. Cold start (webhooks/cold-start.ts): bundle size, module import time and first response of the receiver next
 *    to a bare receiver that only reads the secret, checks the HMAC and answers; the ratios are the figures to
 *    watch (goal: under 2x).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#lib/aws/clients.ts';
import { appsTable, reloadEventsTable, serversTable } from '#lib/aws/table-definitions.ts';
import { ensureTables } from '#lib/local/ensure-tables.ts';
import { startLocalDynamoDb } from '#lib/local/local-dynamodb.ts';
import { startLocalSecretsManager } from '#lib/local/local-secrets-manager.ts';
import { DynamoDbReloadStore } from '#lib/reloads/dynamodb-reload-store.ts';
import { LocalReloadPublisher } from '#lib/reloads/local-reload-publisher.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import { QlikCloudState } from '#test/simulators/qlik-cloud/index.ts';
import { reloadFinishedEvent, WebhookSender } from '#test/simulators/qlik-cloud/webhook-delivery.ts';
import { apiEvent } from '#test/support/api-events.ts';
import { startNpmStart } from '#test/support/processes.ts';
import { bundle, bundleDir, measure, median } from '#test/bench/webhooks/cold-start.ts';

const EVENTS = 5_000;
const SENDERS = 32;
const WARM_UP = 64;
const APPS = 100;
export const SECRET = 'bench-signing-secret-0123456789abcdefghijklmn';
// The local runtime's names (lib/local/local-runtime.ts).
export const TABLES = { servers: 'kpimailer-servers', apps: 'kpimailer-apps', events: 'kpimailer-reload-events' };
export const SECRET_PREFIX = 'kpimailer/local';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'kpimailer-webhook-bench-'));
  try {
    await throughput(root);
    await coldStart(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function print(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'webhooks', ...line }));
}

/**
 * Tables, apps, the tenant a connection test would have recorded and the signing secret (in the single-secret shape
 * every tenant falls back to, which the bare receiver reads too), written into a data directory before anything
 * serves it.
 */
export async function prepareStore(dataDir: string, tenantId = 'bench-tenant'): Promise<void> {
  const ddb = await startLocalDynamoDb({ path: join(dataDir, 'dynamodb') });
  const raw = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials });
  await ensureTables(raw, [serversTable(TABLES.servers), appsTable(TABLES.apps), reloadEventsTable(TABLES.events)]);
  const doc = createDocumentClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials });
  for (let i = 0; i < APPS; i++) {
    await doc.send(
      new PutCommand({
        TableName: TABLES.apps,
        Item: {
          serverId: 'cloud',
          appId: appId(i),
          name: `App ${i}`,
          nameLower: `app ${i}`,
          hash: 'bench',
          lastReload: null,
        },
      }),
    );
  }
  await new DynamoDbServerStore(doc, TABLES.servers).updateState('cloud', {
    tenant: { id: tenantId, url: 'https://tenant.example.com' },
  });
  doc.destroy();
  raw.destroy();
  await ddb.close();
  const secretsDir = join(dataDir, 'secrets');
  const sm = await startLocalSecretsManager({ dataDir: secretsDir });
  const store = new SecretsManagerSecretStore(
    new SecretsManagerClient({ endpoint: sm.endpoint, region: 'us-east-1', credentials: sm.credentials }),
    { namePrefix: SECRET_PREFIX },
  );
  await store.promote(
    'cloud-webhook',
    await store.stage('cloud-webhook', { kind: 'webhook', secret: SECRET, previous: null, previousUntil: null }),
  );
  await sm.close();
}

export const appId = (i: number) => `app-${String(i % APPS).padStart(4, '0')}`;

async function throughput(root: string): Promise<void> {
  const dataDir = join(root, 'runtime');
  const tenant = new QlikCloudState();
  await prepareStore(dataDir, tenant.tenantId);
  const sender = new WebhookSender(tenant);
  const webhookId = tenant.webhooks.seed({
    name: 'kpimailer',
    url: 'https://kpimailer.example.com/webhooks/qlik-cloud',
    secret: SECRET,
  }).id;
  const service = await startNpmStart({ KPIMAILER_DATA_DIR: dataDir, RELOAD_MONITOR_INTERVAL_SECONDS: '0' });
  const url = `${service.url}/webhooks/qlik-cloud`;

  const send = async (reloadId: string, i: number) => {
    const request = sender.signedRequest(webhookId, reloadFinishedEvent(tenant, { appId: appId(i), reloadId }));
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  };
  const blast = async (prefix: string, count: number) => {
    const results: Array<{ status: number; ms: number }> = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) results.push(await send(`${prefix}-${i}`, i));
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: SENDERS }, worker));
    return { results, wallMs: performance.now() - started };
  };

  try {
    await blast('warm', WARM_UP);
    const { results, wallMs } = await blast('bench', EVENTS);
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const statuses: Record<string, number> = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    print({
      measure: 'throughput',
      via: 'npm start (separate process; dynalite + local Secrets Manager)',
      events: EVENTS,
      senders: SENDERS,
      eventsPerSecond: Math.round((EVENTS / wallMs) * 1000),
      p50Ms: round(latencies[Math.floor(latencies.length * 0.5)]!),
      p99Ms: round(latencies[Math.floor(latencies.length * 0.99)]!),
      maxMs: round(latencies[latencies.length - 1]!),
      statuses,
    });
  } finally {
    await service.stop();
  }
  await verifyStore(dataDir, WARM_UP + EVENTS);
}

/** Counts, in the stopped runtime's store, history records and publishes per reload id. */
async function verifyStore(dataDir: string, expected: number): Promise<void> {
  const ddb = await startLocalDynamoDb({ path: join(dataDir, 'dynamodb') });
  const doc = createDocumentClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials });
  try {
    const history = await new DynamoDbReloadStore(doc, TABLES.events).list('cloud', expected * 2);
    const published = await new LocalReloadPublisher(doc, TABLES.events).listPublished('cloud');
    const count = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
    const historyCounts = count(history.map((h) => h.reloadId));
    const publishCounts = count(published.map((p) => p.detail.reloadId));
    const sentIds = [
      ...Array.from({ length: WARM_UP }, (_, i) => `warm-${i}`),
      ...Array.from({ length: EVENTS }, (_, i) => `bench-${i}`),
    ];
    print({
      measure: 'store',
      expected,
      historyRecords: history.length,
      publishes: published.length,
      lost: sentIds.filter((id) => !historyCounts.has(id) || !publishCounts.has(id)).length,
      duplicated: [...historyCounts.values(), ...publishCounts.values()].filter((n) => n > 1).length,
    });
  } finally {
    doc.destroy();
    await ddb.close();
  }
}

async function coldStart(root: string): Promise<void> {
  // Local stand-ins the first invocations talk to, with the tables and the secret in place.
  const dataDir = join(root, 'cold');
  const tenant = new QlikCloudState();
  await prepareStore(dataDir, tenant.tenantId);
  const ddb = await startLocalDynamoDb({ path: join(dataDir, 'dynamodb') });
  const sm = await startLocalSecretsManager({ dataDir: join(dataDir, 'secrets') });
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: sm.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sm.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    SECRET_NAME_PREFIX: SECRET_PREFIX,
    SERVERS_TABLE_NAME: TABLES.servers,
    APPS_TABLE_NAME: TABLES.apps,
    RELOAD_EVENTS_TABLE_NAME: TABLES.events,
    // No EventBridge here: the local publisher's one DynamoDB write stands in for PutEvents.
    RELOAD_PUBLISHER: 'local',
    POWERTOOLS_SERVICE_NAME: 'kpimailer-qlik',
  };
  const sender = new WebhookSender(tenant);
  const webhookId = tenant.webhooks.seed({
    name: 'kpimailer',
    url: 'https://kpimailer.example.com/webhooks/qlik-cloud',
    secret: SECRET,
  }).id;
  let n = 0;
  const signedEvent = () => {
    const request = sender.signedRequest(
      webhookId,
      reloadFinishedEvent(tenant, { appId: appId(n), reloadId: `cold-${n++}` }),
    );
    return apiEvent('POST', '/webhooks/qlik-cloud', { rawBody: request.body, headers: request.headers });
  };
  try {
    const receiver = await measure(
      await bundle('functions/webhook-receiver/handler.ts', bundleDir(root, 'receiver')),
      env,
      signedEvent,
    );
    const bare = await measure(
      await bundle('test/bench/webhooks/bare-receiver.ts', bundleDir(root, 'bare')),
      env,
      signedEvent,
    );
    for (const [name, f] of [
      ['webhook-receiver', receiver],
      ['bare HMAC receiver', bare],
    ] as const) {
      print({
        measure: 'cold-start',
        bundle: name,
        node: process.version,
        bytes: f.bytes,
        gzipBytes: f.gzipBytes,
        importMedianMs: round(median(f.importMs)),
        importRunsMs: f.importMs.map((ms) => round(ms)),
        firstResponseMedianMs: round(median(f.firstResponseMs)),
        processWallMedianMs: round(median(f.processWallMs)),
        statuses: f.statuses,
      });
    }
    print({
      measure: 'cold-start-ratio',
      goal: 'under 2x',
      bytes: round(receiver.bytes / bare.bytes, 2),
      importTime: round(median(receiver.importMs) / median(bare.importMs), 2),
      importPlusFirstResponse: round(
        (median(receiver.importMs) + median(receiver.firstResponseMs)) /
          (median(bare.importMs) + median(bare.firstResponseMs)),
        2,
      ),
    });
  } finally {
    await sm.close();
    await ddb.close();
  }
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
