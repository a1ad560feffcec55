/**
 * Extractions on real stand-ins: DynamoDB Local (servers, slot leases, executions), the embedded SQS on loopback with
 * the local event source pollers, a results folder, the Qlik Cloud simulator's Reports API over TLS and, with
 * `onprem`, the Qlik Sense Enterprise simulator (Proxy Service API over mutual TLS, the proxy and its Engine API over
 * wss). The settings API (save, executions routes) and the worker are the real ones, wired from the environment as in
 * AWS. The simulators' in-flight counters are the proof of Max parallel executions at Qlik's side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createApiHandler } from '#lib/api/api-handler.ts';
import { settingsRoutes } from '#lib/api/settings-api.ts';
import { resetAdapters } from '#lib/aws/adapters-from-env.ts';
import {
  executionRoutesFromEnv,
  executionSettingsFromEnv,
  extractionWorkerFromEnv,
} from '#lib/executions/executions-from-env.ts';
import type { ExtractionWorkerDeps } from '#lib/executions/extraction-worker.ts';
import type { ExtractorFactory } from '#lib/executions/extractor.ts';
import { qlikExtractors } from '#lib/executions/qlik-extractors.ts';
import { handleExtractionBatch } from '#lib/executions/sqs-batch.ts';
import { startLocalExtractions, type LocalExtractions } from '#lib/local/local-extractions.ts';
import { closeCloudClients, setDefaultCloudClientOptions } from '#lib/qlik/cloud/cloud-client.ts';
import { clearCloudTokenCache } from '#lib/qlik/cloud/token-provider.ts';
import { serverServiceFromEnv } from '#lib/servers/server-service-from-env.ts';
import { callApi, type ApiCall, type ApiResponse } from '#test/support/api-events.ts';
import { startTestAws, type TestAws } from '#test/support/aws.ts';
import {
  reportRoutes,
  SimReports,
  startQlikCloudSimulator,
  type QlikCloudSimulator,
} from '#test/simulators/qlik-cloud/index.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';
import { simulatedSiteDraft } from '#test/support/server-drafts.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

export const CLOUD_CLIENT = {
  clientId: 'kpimailer-extractions',
  clientSecret: 'extraction-secret-4f3e2d1c0b9a8f7e6d5c4b3a2910',
};

export interface ExecutionHarnessOptions {
  limit: number;
  processingMs: number;
  /** The worker's time limit (a crashed attempt's slot expires this plus `slotMarginSeconds` later). */
  timeoutSeconds?: number;
  slotMarginSeconds?: number;
  visibilityTimeoutSeconds?: number;
  /** Wraps the real extractors (tests crash an attempt). */
  wrapExtractors?: (real: ExtractorFactory) => ExtractorFactory;
  worker?: Partial<ExtractionWorkerDeps>;
  /** False: the pollers start only on `startPolling()` (tests queue everything first). */
  poll?: boolean;
  /** Also a Qlik Sense Enterprise site, saved as the `onprem` server with the same limit and a `kpimailer` ticket proxy. */
  onprem?: boolean;
}

export interface ExecutionHarness {
  aws: TestAws;
  sim: QlikCloudSimulator;
  reports: SimReports;
  /** With `onprem`: the Qlik Sense Enterprise simulator (seed `site.engine`, read its counters). */
  site: QlikSenseSimulator | undefined;
  extractions: LocalExtractions;
  startPolling(): Promise<void>;
  call(method: string, path: string, call?: ApiCall): Promise<ApiResponse>;
  /** Saves the server's settings (default cloud) with this Max parallel executions. */
  saveLimit(limit: number, serverId?: ServerId): Promise<void>;
  submit(body: Record<string, unknown>, serverId?: ServerId): Promise<string>;
  execution(id: string): Promise<Record<string, unknown>>;
  /** Resolves once every given execution has finished (succeeded or failed). */
  settled(ids: string[], options?: { timeoutMs?: number }): Promise<Array<Record<string, unknown>>>;
  deadLetters(serverId?: ServerId): Promise<Array<{ body: string; attributes: Record<string, string | undefined> }>>;
  close(): Promise<void>;
}

export async function startExecutions(options: ExecutionHarnessOptions): Promise<ExecutionHarness> {
  const aws = await startTestAws();

  const reports = new SimReports();
  reports.queuedMs = Math.round(options.processingMs / 10);
  reports.processingMs = options.processingMs - reports.queuedMs;
  const sim = await startQlikCloudSimulator({ clients: [CLOUD_CLIENT], routes: reportRoutes(reports) });
  setDefaultCloudClientOptions({ ca: sim.caPem });
  const site = options.onprem ? await startQlikSenseSimulator() : undefined;
  // The kpimailer virtual proxy as the connection test provisions it: ticket authentication, the Server URL's host allowed.
  site?.state.addVirtualProxy(
    {
      prefix: 'kpimailer',
      sessionCookieHeaderName: 'X-Qlik-Session-kpimailer',
      authenticationMethod: 0,
      websocketCrossOriginWhiteList: ['127.0.0.1'],
    },
    { linkToAllProxyServices: true },
  );
  const resultsDir = mkdtempSync(join(tmpdir(), 'kpimailer-results-'));

  // Built once the environment points at these stand-ins; the pollers only invoke it after that.
  const current: { worker?: ReturnType<typeof extractionWorkerFromEnv> } = {};
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  const extractions = await startLocalExtractions({
    timeoutSeconds,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    handler: async () => (event) => handleExtractionBatch(current.worker!, event),
  });
  const env: Record<string, string> = {
    ...aws.env,
    ...extractions.env,
    RESULTS_DIR: resultsDir,
    EXTRACTION_SLOT_MARGIN_SECONDS: String(options.slotMarginSeconds ?? 5),
    KPIMAILER_QLIK_CLOUD_HOSTS: '127.0.0.1',
  };
  Object.assign(process.env, env);
  resetAdapters();
  const real = qlikExtractors();
  current.worker = extractionWorkerFromEnv({
    extractors: options.wrapExtractors ? options.wrapExtractors(real) : real,
    noSlotDelaySeconds: 1,
    retryBaseSeconds: 0,
    ...options.worker,
  });
  const handler = createApiHandler(() =>
    settingsRoutes({
      servers: serverServiceFromEnv(executionSettingsFromEnv()),
      audit: { record: async () => undefined },
      extraRoutes: executionRoutesFromEnv(),
    }),
  );
  const call = (method: string, path: string, request?: ApiCall) => callApi(handler, method, path, request);

  const saveLimit = async (limit: number, serverId: ServerId = 'cloud') => {
    const current = (await call('GET', `/api/servers/${serverId}`)).json() as { version: number; configured: boolean };
    const version = current.configured ? { version: current.version } : {};
    if (serverId === 'onprem') {
      const response = await call('PUT', '/api/servers/onprem', {
        body: { ...simulatedSiteDraft(site!, { password: 'harness-pfx' }), maxParallelExecutions: limit, ...version },
      });
      if (response.status !== 200)
        throw new Error(`saving the onprem server failed: ${response.status} ${response.body}`);
      return;
    }
    const response = await call('PUT', '/api/servers/cloud', {
      body: {
        displayName: 'Qlik Cloud',
        url: sim.url,
        oauthClientId: CLOUD_CLIENT.clientId,
        oauthClientSecret: CLOUD_CLIENT.clientSecret,
        webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2_r1Zt6s',
        maxParallelExecutions: limit,
        ...version,
      },
    });
    if (response.status !== 200) throw new Error(`saving the cloud server failed: ${response.status} ${response.body}`);
  };
  await saveLimit(options.limit);
  if (site) await saveLimit(options.limit, 'onprem');
  if (options.poll !== false) await extractions.start();

  const execution = async (id: string) =>
    (await call('GET', `/api/executions/${id}`)).json() as Record<string, unknown>;
  const sqs = new SQSClient({
    endpoint: extractions.env.AWS_ENDPOINT_URL_SQS,
    useQueueUrlAsEndpoint: false,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

  return {
    aws,
    sim,
    reports,
    site,
    extractions,
    startPolling: () => extractions.start(),
    call,
    saveLimit,
    submit: async (body, serverId = 'cloud') => {
      const response = await call('POST', `/api/servers/${serverId}/executions`, { body });
      if (response.status !== 202 && response.status !== 200)
        throw new Error(`submit failed: ${response.status} ${response.body}`);
      return (response.json() as { executionId: string }).executionId;
    },
    execution,
    settled: async (ids, { timeoutMs = 240_000 } = {}) => {
      const giveUpAt = Date.now() + timeoutMs;
      const pending = new Set(ids);
      const finished = new Map<string, Record<string, unknown>>();
      while (pending.size) {
        for (const id of [...pending]) {
          const view = await execution(id);
          if (view.status === 'succeeded' || view.status === 'failed') {
            finished.set(id, view);
            pending.delete(id);
          }
        }
        if (!pending.size) break;
        if (Date.now() > giveUpAt) throw new Error(`${pending.size} executions did not finish`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return ids.map((id) => finished.get(id)!);
    },
    deadLetters: async (serverId = 'cloud') => {
      const url = JSON.parse(extractions.env.EXTRACTION_DLQ_URLS!)[serverId] as string;
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 1,
        }),
      );
      return (Messages ?? []).map((m) => ({
        body: m.Body ?? '',
        attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
      }));
    },
    close: async () => {
      await extractions.close();
      sqs.destroy();
      clearCloudTokenCache();
      await closeCloudClients();
      setDefaultCloudClientOptions({});
      await sim.close();
      await site?.close();
      await aws.close();
      rmSync(resultsDir, { recursive: true, force: true });
    },
  };
}

/** `count` data extractions of distinct objects in one app, submitted ten at a time. */
export async function submitMany(harness: ExecutionHarness, count: number, appId = 'sales-app'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) =>
      harness.submit({ appId, kind: 'data', objectId: `obj-${i + j}` }),
    );
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}
