/**
 * `npm run bench -- sync`: the app catalog sync against each simulator with 20 ms latency per request, for 1,000,
 * 10,000 and 100,000 apps. JSON lines, one per measured sync:
 *   - phases: `first` (empty catalog: every app written), `resync-unchanged` (nothing changed in Qlik) and
 *     `resync-changed` (BENCH_SYNC_CHANGE of the apps renamed, republished/moved, reloaded or deleted+added; 1 %);
 *   - wall ms, requests to Qlik (counted by the simulator), pages on the critical path and the target
 *     `wall / (pages x latency)` (≤ 1.15), DynamoDB item writes, BatchWriteItem calls and write units, and the
 *     sync process's peak RSS;
 *   - summary lines: RSS at 100k / RSS at 1k (< 1.5), zero writes for the unchanged 100k re-sync, and our full
 *     Qlik Cloud sync beside `@qlik/api` only listing the same items (items.getItems + next) on the same simulator.
 *
 * Honest measurement: each size's syncs run in a fresh child process (`--sync-worker`), so its peak RSS is the
 * sync's alone; the simulators live in this process; the store is dynalite (in-memory, in its own process),
 * chosen over DynamoDB Local because DynamoDB Local's Query is about 10x slower here and would dominate re-syncs.
 * `@qlik/api` runs in a fresh child too (`--qlik-api-worker`), trusting the simulator's CA by NODE_EXTRA_CA_CERTS.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { appsTable } from '#lib/aws/table-definitions.ts';
// Types only: the sync worker process must not load the simulators (their modules would count in its RSS).
import type { QlikSenseSimulator, SiteApps } from '#test/simulators/qlik-sense-enterprise/index.ts';
import type { QlikCloudSimulator, TenantApps } from '#test/simulators/qlik-cloud/index.ts';

const BENCH = 'sync';
const LATENCY_MS = 20;
const SIZES = (process.env.BENCH_SYNC_SIZES ?? '1000,10000,100000').split(',').map(Number);
const CHANGE = Number(process.env.BENCH_SYNC_CHANGE ?? 0.01);
/** The sync worker starts as the scheduled-sync function does: with its NODE_OPTIONS heap flag (lib/repository/sync-heap.ts). */
const SYNC_WORKER_V8_FLAGS = (process.env.BENCH_SYNC_V8_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);
const FLAVOURS = (process.env.BENCH_SYNC_SIMULATORS ?? 'onprem,cloud').split(',') as Flavour[];
const CLIENT = { clientId: 'bench-sync-client', clientSecret: 'bench-sync-secret-00112233445566778899aabbccdd' };
const FILE = fileURLToPath(import.meta.url);
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

type Flavour = 'onprem' | 'cloud';
type Phase = 'list-only' | 'first' | 'resync-unchanged' | 'resync-changed';

interface WorkerConfig {
  flavour: Flavour;
  endpoint: string;
  table: string;
  onprem?: OnPremConnection;
  cloud?: { url: string; caPem: string; clientId: string; clientSecret: string };
}

interface PhaseResult {
  phase: Phase;
  wallMs: number;
  pages: number;
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  total: number;
  itemWrites: number;
  batchWriteCalls: number;
  writeUnits: number;
  lookups: number;
  peakRssMb: number;
  /** V8 heap in use and reserved at the end of the phase (what the sync keeps vs what the GC has not returned). */
  heapUsedMb: number;
  heapTotalMb: number;
}

const print = (line: Record<string, unknown>) => console.log(JSON.stringify({ bench: BENCH, ...line }));
const mb = (kb: number) => Math.round(kb / 102.4) / 10;

export async function run(): Promise<void> {
  const { SiteApps, startQlikSenseSimulator } = await import('#test/simulators/qlik-sense-enterprise/index.ts');
  const { startQlikCloudSimulator, TenantApps } = await import('#test/simulators/qlik-cloud/index.ts');
  const store = await startDynalite();
  const onprem = await startQlikSenseSimulator({ latencyMs: 0 });
  const cloudApps = new TenantApps({ count: 0, personalShare: 0.1 });
  const cloud = await startQlikCloudSimulator({ clients: [CLIENT], routes: cloudApps.routes() });
  const site = SiteApps.generate(onprem.state, { count: 0, streams: 25, owners: 200 });
  const rss: Record<Flavour, Record<number, number>> = { onprem: {}, cloud: {} };
  const results: Record<string, PhaseResult> = {};
  print({ note: 'store', value: 'dynalite 4 (in-memory, own process)', latencyMs: LATENCY_MS, changeFraction: CHANGE });
  try {
    for (const size of SIZES) {
      grow(site, cloudApps, size);
      for (const flavour of FLAVOURS) {
        const table = `apps-${flavour}-${size}`;
        await store.client.send(new CreateTableCommand(appsTable(table)));
        const worker = startWorker({
          flavour,
          endpoint: store.endpoint,
          table,
          ...(flavour === 'onprem'
            ? { onprem: onprem.connection() }
            : { cloud: { url: cloud.url, caPem: cloud.caPem, ...CLIENT } }),
        });
        setLatency(onprem, cloud, LATENCY_MS);
        // The floor: the same listing with no diff and no storage, in the same process.
        const listOnly = await worker.phase('list-only');
        print({
          simulator: flavour,
          apps: size,
          phase: 'list-only',
          wallMs: listOnly.wallMs,
          pages: listOnly.pages,
          wallToPagesLatency: round(listOnly.wallMs / (listOnly.pages * LATENCY_MS)),
        });
        for (const phase of ['first', 'resync-unchanged', 'resync-changed'] as const) {
          if (phase === 'resync-changed' && flavour === 'onprem') site.change(CHANGE);
          if (phase === 'resync-changed' && flavour === 'cloud') cloudApps.change(CHANGE);
          const requests = countRequests(onprem, cloud, flavour);
          const result = await worker.phase(phase);
          const made = requests();
          const target = result.wallMs / (result.pages * LATENCY_MS);
          results[`${flavour}:${size}:${phase}`] = result;
          rss[flavour][size] = Math.max(rss[flavour][size] ?? 0, result.peakRssMb);
          print({
            simulator: flavour,
            apps: size,
            ...result,
            requests: made,
            pagesTimesLatencyMs: result.pages * LATENCY_MS,
            wallToPagesLatency: round(target),
            target: 1.15,
            meets: target <= 1.15,
            wallToListOnly: round(result.wallMs / listOnly.wallMs),
          });
        }
        await worker.stop();
        setLatency(onprem, cloud, 0);
        await store.client.send(new DeleteTableCommand({ TableName: table }));
      }
      if (!FLAVOURS.includes('cloud')) continue;
      setLatency(onprem, cloud, LATENCY_MS);
      const qlikApiRequests = countRequests(onprem, cloud, 'cloud');
      const qlikApi = await listWithQlikApi(cloud);
      const qlikApiMade = qlikApiRequests();
      const byPath = new Map<string, number>();
      for (const r of cloud.requests)
        byPath.set(`${r.method} ${r.path}`, (byPath.get(`${r.method} ${r.path}`) ?? 0) + 1);
      const qlikApiPaths = [...byPath].map(([path, n]) => `${path} x${n}`);
      setLatency(onprem, cloud, 0);
      for (const phase of ['first', 'resync-changed'] as const) {
        const ours = results[`cloud:${size}:${phase}`]!;
        const ratio = ours.wallMs / qlikApi.wallMs;
        print({
          metric: `cloud full sync (${phase}) vs @qlik/api listing only`,
          apps: size,
          oursMs: ours.wallMs,
          qlikApiMs: qlikApi.wallMs,
          qlikApiItems: qlikApi.items,
          qlikApiRequests: qlikApiMade,
          qlikApiPaths,
          ratio: round(ratio),
          target: 1.1,
          meets: ratio <= 1.1,
        });
      }
    }
    const [small, large] = [SIZES[0]!, SIZES[SIZES.length - 1]!];
    for (const flavour of FLAVOURS) {
      const ratio = rss[flavour][large]! / rss[flavour][small]!;
      print({
        metric: 'peak RSS ratio',
        simulator: flavour,
        largeApps: large,
        largeMb: rss[flavour][large],
        smallApps: small,
        smallMb: rss[flavour][small],
        ratio: round(ratio),
        target: 1.5,
        meets: ratio < 1.5,
      });
      const unchanged = results[`${flavour}:${large}:resync-unchanged`]!;
      print({
        metric: 'unchanged re-sync item writes',
        simulator: flavour,
        apps: large,
        value: unchanged.itemWrites,
        batchWriteCalls: unchanged.batchWriteCalls,
        target: 0,
        meets: unchanged.itemWrites === 0,
      });
    }
  } finally {
    await Promise.all([onprem.close(), cloud.close(), store.close()]);
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Both simulators hold `size` synced apps (plus personal-space apps in the cloud, which the sync leaves out). */
function grow(site: SiteApps, tenant: TenantApps, size: number): void {
  while (site.publishedIds().length < size) {
    for (let i = site.publishedIds().length; i < size; i++) site.add();
    site.refresh();
  }
  while (tenant.synced().length < size)
    for (let i = tenant.synced().length; i < size; i++) tenant.add({ space: tenant.spaces[i % 15]! });
}

function setLatency(onprem: QlikSenseSimulator, cloud: QlikCloudSimulator, ms: number): void {
  onprem.faults.latencyMs = ms;
  cloud.state.faults.latencyMs = ms;
}

function countRequests(onprem: QlikSenseSimulator, cloud: QlikCloudSimulator, flavour: Flavour): () => number {
  onprem.clearRequests();
  cloud.requests.length = 0;
  return () => (flavour === 'onprem' ? onprem.requests.length : cloud.requests.length);
}

interface Dynalite {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** dynalite in a child process, so its CPU time and memory stay out of the simulators' and the sync's. */
async function startDynalite(): Promise<Dynalite> {
  const child = fork(FILE, ['--dynalite'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    client: new DynamoDBClient({ endpoint, region: 'us-east-1', credentials }),
    close: async () => void child.kill(),
  };
}

function startWorker(config: WorkerConfig) {
  const child: ChildProcess = fork(FILE, ['--sync-worker'], {
    execArgv: [...SYNC_WORKER_V8_FLAGS, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  child.send({ config });
  let exited: Error | null = null;
  child.once('exit', (code) => (exited = new Error(`the ${config.flavour} sync worker exited with ${code}`)));
  return {
    phase: (phase: Phase) =>
      new Promise<PhaseResult>((resolve, reject) => {
        if (exited) return reject(exited);
        child.once('exit', (code) =>
          reject(new Error(`the ${config.flavour} sync worker exited with ${code} during ${phase}`)),
        );
        child.once('message', (m) =>
          (m as { error?: string }).error
            ? reject(new Error((m as { error: string }).error))
            : resolve(m as PhaseResult),
        );
        child.send({ phase });
      }),
    stop: async () => {
      child.send({ stop: true });
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function listWithQlikApi(cloud: QlikCloudSimulator): Promise<{ wallMs: number; items: number }> {
  const child = fork(FILE, ['--qlik-api-worker'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: cloud.caFile },
  });
  child.send({ url: cloud.url, ...CLIENT });
  const result = await new Promise<{ wallMs: number; items: number; error?: string }>((resolve) =>
    child.once('message', (m) => resolve(m as never)),
  );
  if (result.error) throw new Error(`@qlik/api listing failed: ${result.error}`);
  await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  return result;
}

// ---- child processes ------------------------------------------------------------------------------------------

async function dynaliteMain(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dynalite = require('dynalite') as (options: object) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ port: (server.address() as AddressInfo).port });
}

/** One size of one simulator: the same process runs the three phases, as one Lambda container would. */
async function syncWorkerMain(): Promise<void> {
  // Queue messages from the start: one that arrives while the imports below load, with no listener, is lost.
  const inbox: { config?: WorkerConfig; phase?: Phase; stop?: boolean }[] = [];
  let wake: (() => void) | null = null;
  process.on('message', (m) => {
    inbox.push(m as (typeof inbox)[number]);
    wake?.();
  });
  const next = async () => {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return inbox.shift()!;
  };
  // What functions/scheduled-sync/handler.ts does at load.
  (await import('#lib/repository/sync-heap.ts')).applySyncHeapProfile();
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { DynamoDbAppCatalog } = await import('#lib/repository/dynamodb-app-catalog.ts');
  const { syncAppCatalog } = await import('#lib/repository/app-catalog-sync.ts');
  const { OnPremAppListing } = await import('#lib/qlik/onprem/app-listing.ts');
  const { CloudAppListing, SYNC_RATE_LIMIT } = await import('#lib/qlik/cloud/app-listing.ts');
  const { QlikCloudApi } = await import('#lib/qlik/cloud/cloud-api.ts');
  const { getCloudClient } = await import('#lib/qlik/cloud/cloud-client.ts');
  const { cloudTokenProvider } = await import('#lib/qlik/cloud/token-provider.ts');
  const { createQrsClient } = await import('#lib/qlik/onprem/qrs-client.ts');

  const config = (await next()).config!;
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: config.endpoint, region: 'us-east-1', credentials }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const catalog = new DynamoDbAppCatalog(client, config.table);
  const cloudClient = config.cloud ? getCloudClient(config.cloud.url, { ca: config.cloud.caPem }) : null;
  const tokens = config.cloud
    ? cloudTokenProvider(cloudClient!, config.cloud.clientId, config.cloud.clientSecret)
    : null;

  for (;;) {
    const message = await next();
    if (message.stop) process.exit(0);
    if (!message.phase) continue;
    try {
      const listing = config.onprem
        ? new OnPremAppListing(createQrsClient(config.onprem, { defaultTimeoutMs: 60_000, connections: 2 }))
        : new CloudAppListing(new QlikCloudApi(cloudClient!, tokens!, SYNC_RATE_LIMIT));
      const hadToken = tokens?.tokenRequests ?? 0;
      const started = performance.now();
      const outcome =
        message.phase === 'list-only'
          ? await listOnly(listing)
          : await syncAppCatalog({ catalog, serverId: config.flavour, listing });
      const wallMs = Math.round(performance.now() - started);
      await listing.close();
      // Pages on the critical path: every listing page (the on-prem count and the cloud spaces page run beside the
      // first page), plus a token request when this sync had to fetch one.
      const pages = listing.requests - 1 + ((tokens?.tokenRequests ?? 0) - hadToken);
      const result: PhaseResult = {
        phase: message.phase,
        wallMs,
        pages,
        added: outcome.added,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        removed: outcome.removed,
        total: outcome.total,
        itemWrites: outcome.writes.items,
        batchWriteCalls: outcome.writes.calls,
        writeUnits: outcome.writes.writeUnits,
        lookups: outcome.lookups,
        peakRssMb: mb(process.resourceUsage().maxRSS),
        heapUsedMb: mb(process.memoryUsage().heapUsed / 1024),
        heapTotalMb: mb(process.memoryUsage().heapTotal / 1024),
      };
      process.send!(result);
    } catch (error) {
      process.send!({ error: String((error as Error)?.stack ?? error) });
    }
  }
}

/** Walks the listing and drops every page: what the sync would cost with free storage. */
async function listOnly(listing: { pages(signal: AbortSignal): AsyncIterable<unknown[]> }) {
  let total = 0;
  for await (const page of listing.pages(new AbortController().signal)) total += page.length;
  const none = { items: 0, calls: 0, writeUnits: 0, puts: 0, deletes: 0, retries: 0 };
  return { added: 0, updated: 0, unchanged: 0, removed: 0, total, writes: none, lookups: 0, removalsSkipped: false };
}

async function qlikApiWorkerMain(): Promise<void> {
  const target = await new Promise<{ url: string; clientId: string; clientSecret: string }>((resolve) =>
    process.once('message', (m) => resolve(m as never)),
  );
  try {
    const { auth, items } = await import('@qlik/api');
    auth.setDefaultHostConfig({
      authType: 'oauth2',
      host: target.url,
      clientId: target.clientId,
      clientSecret: target.clientSecret,
      scope: 'user_default admin.apps:read',
    });
    const started = performance.now();
    let page = await items.getItems({
      resourceType: 'app',
      limit: 100,
      spaceType: 'shared,managed' as 'shared',
      noActions: true,
    });
    let count = page.data.data?.length ?? 0;
    while (page.next) {
      page = await page.next();
      count += page.data.data?.length ?? 0;
    }
    process.send!({ wallMs: Math.round(performance.now() - started), items: count }, () => process.exit(0));
  } catch (error) {
    process.send!({ error: String((error as Error)?.stack ?? JSON.stringify(error)) }, () => process.exit(1));
  }
}

if (process.argv.includes('--dynalite')) await dynaliteMain();
else if (process.argv.includes('--sync-worker')) await syncWorkerMain();
else if (process.argv.includes('--qlik-api-worker')) await qlikApiWorkerMain();
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
