/**
 * The Qlik Repository on real stand-ins: DynamoDB Local tables (catalog, leases, lastSync), the two Qlik
 * simulators over TLS, and the real sync service, listings and API routes. Saved server settings are written
 * straight into the servers table (the settings flow has its own suites); the listings get the simulators'
 * connections. Every DynamoDB call of the catalog is counted, so tests can say "this sync wrote nothing".
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createApiHandler } from '#lib/api/api-handler.ts';
import { settingsRoutes } from '#lib/api/settings-api.ts';
import { DynamoDbLeaseProvider } from '#lib/leases/dynamodb-lease.ts';
import { CloudAppListing, SYNC_RATE_LIMIT } from '#lib/qlik/cloud/app-listing.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import { OnPremAppListing } from '#lib/qlik/onprem/app-listing.ts';
import { createQrsClient, type QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import type { StoredApp } from '#lib/repository/app-catalog.ts';
import { AppSyncService, type AppSyncDeps } from '#lib/repository/app-sync-service.ts';
import { repositoryRoutes } from '#lib/repository/apps-api.ts';
import { DynamoDbAuditLog } from '#lib/audit/dynamodb-audit-log.ts';
import { DynamoDbAppCatalog } from '#lib/repository/dynamodb-app-catalog.ts';
import { SyncAppsRemoval } from '#lib/repository/server-apps-removal.ts';
import { InProcessSyncTrigger } from '#lib/repository/sync-trigger.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import type { ServerRecord, ServerSecret } from '#lib/servers/server-record.ts';
import { ServerService } from '#lib/servers/server-service.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';
import { callApi, type ApiCall } from '#test/support/api-events.ts';
import { startTestAws, type TestAws } from '#test/support/aws.ts';
import type { QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';
import type { QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';

export const CLOUD_CLIENT = {
  clientId: 'kpimailer-sync-client',
  clientSecret: 'sync-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0',
};

export interface RepositoryHarness {
  aws: TestAws;
  catalog: DynamoDbAppCatalog;
  store: DynamoDbServerStore;
  sync: AppSyncService;
  trigger: InProcessSyncTrigger;
  /** DynamoDB commands the catalog sent, by name (`BatchWriteCommand`, `QueryCommand`, …). */
  calls: string[];
  writeCalls(): number;
  configure(id: ServerId): Promise<void>;
  /** Every stored app of a server, in appId order (read outside the counted client). */
  stored(id: ServerId): Promise<StoredApp[]>;
  call(method: string, path: string, call?: ApiCall): ReturnType<typeof callApi>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  onprem?: QlikSenseSimulator;
  cloud?: QlikCloudSimulator;
  onpremPageSize?: number;
  /** Table requests in flight per sync (read at each sync). */
  onpremConcurrency?: () => number;
  /** Wraps the QRS client of each sync (tests arm simulator faults at a given request). */
  wrapQrs?: (qrs: QrsClient) => QrsClient;
  sync?: Partial<AppSyncDeps>;
}

export async function startRepository(options: HarnessOptions): Promise<RepositoryHarness> {
  const aws = await startTestAws();
  const calls: string[] = [];
  const counted = Object.create(aws.documentClient) as typeof aws.documentClient;
  counted.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    calls.push(command.constructor.name);
    return (aws.documentClient.send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof counted.send;
  const catalog = new DynamoDbAppCatalog(counted, aws.appsTableName);
  const store = new DynamoDbServerStore(aws.documentClient, aws.serversTableName);
  const records = new Map<ServerId, ServerRecord>();

  const audit = new DynamoDbAuditLog(aws.documentClient, aws.auditTableName);
  const sync = new AppSyncService({
    audit,
    store,
    loadServer: async (id) => {
      const record = await store.get(id);
      return record ? { record, secret: {} as ServerSecret } : null;
    },
    catalog,
    leases: new DynamoDbLeaseProvider(aws.documentClient, aws.serversTableName),
    listings: ({ record }) => {
      if (record.type === 'onprem') {
        const qrs = createQrsClient(options.onprem!.connection(), { connections: 2 });
        return new OnPremAppListing(options.wrapQrs ? options.wrapQrs(qrs) : qrs, {
          pageSize: options.onpremPageSize ?? 10,
          concurrency: options.onpremConcurrency?.(),
        });
      }
      const client = getCloudClient(options.cloud!.url, { ca: options.cloud!.caPem });
      const tokens = cloudTokenProvider(client, CLOUD_CLIENT.clientId, CLOUD_CLIENT.clientSecret);
      return new CloudAppListing(new QlikCloudApi(client, tokens, SYNC_RATE_LIMIT));
    },
    progressIntervalMs: 0,
    ...options.sync,
  });
  const trigger = new InProcessSyncTrigger((request) => sync.run(request));
  const servers = new ServerService({
    servers: store,
    secrets: { delete: async () => undefined } as never,
    apps: new SyncAppsRemoval(sync, trigger),
  });
  const handler = createApiHandler(() => [
    ...settingsRoutes({ servers, audit }),
    ...repositoryRoutes({ catalog, sync, trigger, audit }),
  ]);

  return {
    aws,
    catalog,
    store,
    sync,
    trigger,
    calls,
    writeCalls: () => calls.filter((name) => /^(BatchWrite|Put|Update|Delete)Command$/.test(name)).length,
    configure: async (id) => {
      const record = savedRecord(id, options);
      records.set(id, record);
      await store.putSettings(record, null);
    },
    stored: async (id) => {
      const apps: StoredApp[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await aws.documentClient.send(
          new QueryCommand({
            TableName: aws.appsTableName,
            KeyConditionExpression: 'serverId = :s',
            ExpressionAttributeValues: { ':s': id },
            ExclusiveStartKey,
          }),
        );
        apps.push(...((page.Items ?? []) as StoredApp[]));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return apps;
    },
    call: (method, path, call) => callApi(handler, method, path, call),
    close: async () => {
      await trigger.settled();
      await aws.close();
    },
  };
}

/** A saved configuration as the settings API would store it (only what the sync reads matters here). */
function savedRecord(id: ServerId, options: HarnessOptions): ServerRecord {
  const at = new Date().toISOString();
  const common = {
    id,
    version: 1,
    createdAt: at,
    updatedAt: at,
    secret: { arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}`, versionId: 'v1' },
  };
  if (id === 'onprem') {
    return {
      ...common,
      type: 'onprem',
      settings: {
        displayName: 'Qlik Sense',
        url: options.onprem?.url ?? 'https://qlik.example.com',
        maxParallelExecutions: 4,
        userDirectory: 'INTERNAL',
        serviceAccountUser: 'sa_kpimailer',
        certificateHostName: null,
        allowUntrustedServerCertificate: false,
        repositoryPort: 4242,
        enginePort: 4747,
      },
      certificate: {
        subject: 'CN=kpimailer',
        issuer: 'CN=ca',
        subjectAltNames: [],
        notBefore: at,
        notAfter: at,
        fingerprintSha256: '00',
      },
      rootCertificate: null,
      hasCertificatePassword: true,
    } as unknown as ServerRecord;
  }
  return {
    ...common,
    type: 'cloud',
    settings: {
      displayName: 'Qlik Cloud',
      url: options.cloud?.url ?? 'https://acme.eu.qlikcloud.com',
      maxParallelExecutions: 4,
      oauthClientId: CLOUD_CLIENT.clientId,
      webIntegrationId: 'wi',
    },
    hasClientSecret: true,
  } as unknown as ServerRecord;
}

/** Polls the server's lastSync until it is no longer running. */
export async function settledSync(harness: RepositoryHarness, id: ServerId) {
  await harness.trigger.settled();
  return (await harness.store.getState(id)).lastSync;
}
