/**
 * The reload functions as deployed (webhook-receiver, reload-monitor, and the settings API's reloads route) on
 * DynamoDB Local and the local Secrets Manager, with the local publisher so every publish is an item the tests
 * can count. Each test file runs in its own process, so the environment set here is that file's alone.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { vi } from 'vitest';
import { resetAdapters } from '#lib/aws/adapters-from-env.ts';
import { reloadEventsTable } from '#lib/aws/table-definitions.ts';
import { createWebhookProvisioning } from '#lib/connection-test/webhook-provisioning.ts';
import { DynamoDbLeaseProvider } from '#lib/leases/dynamodb-lease.ts';
import { lambdaContext } from '#lib/local/api-gateway-adapter.ts';
import { ensureTables } from '#lib/local/ensure-tables.ts';
import { DynamoDbReloadStore } from '#lib/reloads/dynamodb-reload-store.ts';
import { LocalReloadPublisher, type PublishedReload } from '#lib/reloads/local-reload-publisher.ts';
import type { ReloadMonitorReport } from '#lib/reloads/reload-monitor.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import { ServerService } from '#lib/servers/server-service.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';
import { apiEvent, apiResponseOf, callApi, type ApiResponse, type LambdaHttpResult } from '#test/support/api-events.ts';
import { startTestAws, type TestAws } from '#test/support/aws.ts';

export const PUBLIC_WEBHOOK_URL = 'https://kpimailer.example.com/webhooks/qlik-cloud';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export interface ReloadHarness {
  aws: TestAws;
  eventsTableName: string;
  servers: DynamoDbServerStore;
  secrets: SecretsManagerSecretStore;
  service: ServerService;
  /** Saves a tenant's signing secret as the connection test would (the previous one stays valid for 24 h). */
  saveSigningSecret(secret: string, tenantKey: string): Promise<void>;
  /** Posts a request to the webhook receiver as a function URL would deliver it. */
  deliver(
    request: { body: string; headers: Record<string, string> },
    options?: { base64?: boolean },
  ): Promise<ApiResponse>;
  /** One scheduled run of the reload monitor. */
  runMonitor(): Promise<ReloadMonitorReport>;
  /** A new container: fresh module state (caches, clients), same tables and secrets. */
  restart(): Promise<void>;
  api(method: string, path: string, query?: Record<string, string>): Promise<ApiResponse>;
  published(serverId: ServerId): Promise<PublishedReload[]>;
  history: DynamoDbReloadStore;
  /** Every item of the reload events table (ledger, history, watermark, local publishes). */
  eventItems(): Promise<Record<string, unknown>[]>;
  seedApp(serverId: ServerId, appId: string, name: string): Promise<void>;
  app(serverId: ServerId, appId: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

export interface ReloadHarnessOptions {
  env?: Record<string, string>;
  /** Qlik Cloud simulators' CAs, trusted by the handlers' cloud clients (again after every restart). */
  cloudCa?: string | string[];
}

export async function startReloadHandlers(options: ReloadHarnessOptions = {}): Promise<ReloadHarness> {
  const aws = await startTestAws();
  const eventsTableName = `reload-events-${randomUUID().slice(0, 8)}`;
  const raw = new DynamoDBClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await ensureTables(raw, [reloadEventsTable(eventsTableName)]);
  raw.destroy();
  Object.assign(
    process.env,
    aws.env,
    { RELOAD_EVENTS_TABLE_NAME: eventsTableName, RELOAD_PUBLISHER: 'local', WEBHOOK_PUBLIC_URL: PUBLIC_WEBHOOK_URL },
    options.env,
  );
  resetAdapters();

  const servers = new DynamoDbServerStore(aws.documentClient, aws.serversTableName);
  const secrets = new SecretsManagerSecretStore(aws.secretsClient, { namePrefix: aws.secretNamePrefix });
  const provisioning = createWebhookProvisioning({
    secrets,
    leases: new DynamoDbLeaseProvider(aws.documentClient, aws.serversTableName),
    targetUrl: PUBLIC_WEBHOOK_URL,
  });
  const publisher = new LocalReloadPublisher(aws.documentClient, eventsTableName);

  let handlers: { receiver: Handler; monitor: Handler; settings: Handler };
  const load = async () => {
    // After vi.resetModules the handlers get a fresh cloud-client module, which must trust the simulator again.
    if (options.cloudCa)
      (await import('#lib/qlik/cloud/cloud-client.ts')).setDefaultCloudClientOptions({ ca: options.cloudCa });
    handlers = {
      receiver: (await import('#functions/webhook-receiver/handler.ts')).handler as unknown as Handler,
      monitor: (await import('#functions/reload-monitor/handler.ts')).handler as unknown as Handler,
      settings: (await import('#functions/settings-api/handler.ts')).handler as unknown as Handler,
    };
  };
  await load();

  return {
    aws,
    eventsTableName,
    servers,
    secrets,
    service: new ServerService({ servers, secrets }),
    saveSigningSecret: (secret, tenantKey) => provisioning.forTenant(tenantKey).saveSigningSecret(secret),
    deliver: async (request, options = {}) => {
      const event: APIGatewayProxyEventV2 = apiEvent('POST', '/webhooks/qlik-cloud', {
        rawBody: request.body,
        headers: request.headers,
      });
      if (options.base64)
        Object.assign(event, { body: Buffer.from(request.body).toString('base64'), isBase64Encoded: true });
      if (request.body === '') Object.assign(event, { body: undefined });
      return apiResponseOf((await handlers.receiver(event, lambdaContext('webhook-receiver'))) as LambdaHttpResult);
    },
    runMonitor: async () => (await handlers.monitor({}, lambdaContext('reload-monitor'))) as ReloadMonitorReport,
    restart: async () => {
      vi.resetModules();
      resetAdapters();
      await load();
    },
    api: (method, path, query) => callApi(handlers.settings, method, path, { query }),
    published: (serverId) => publisher.listPublished(serverId),
    history: new DynamoDbReloadStore(aws.documentClient, eventsTableName),
    eventItems: async () =>
      (await aws.documentClient.send(new ScanCommand({ TableName: eventsTableName, ConsistentRead: true }))).Items ??
      [],
    seedApp: async (serverId, appId, name) => {
      await aws.documentClient.send(
        new PutCommand({
          TableName: aws.appsTableName,
          Item: { serverId, appId, name, nameLower: name.toLowerCase(), hash: 'seed', lastReload: null },
        }),
      );
    },
    app: async (serverId, appId) =>
      (
        await aws.documentClient.send(
          new GetCommand({ TableName: aws.appsTableName, Key: { serverId, appId }, ConsistentRead: true }),
        )
      ).Item,
    close: () => aws.close(),
  };
}
