/**
 * Wires the Qlik Repository on the real adapters from the function's environment (set by the CDK stack or the
 * local runtime): the DynamoDB catalog, the lease table, the Qlik clients, and how an API-started sync runs.
 *
 * Environment: APPS_TABLE_NAME, SERVERS_TABLE_NAME (leases and lastSync), SCHEDULED_SYNC_FUNCTION_NAME (in AWS:
 * the function the API invokes; unset: runs in-process), QLIK_CLOUD_SYNC_SPACE_TYPES (default `shared,managed`).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { awsClientConfig } from '#lib/aws/clients.ts';
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { serviceEnvironment } from '#lib/aws/environment.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { CloudAppListing, DEFAULT_SYNC_SPACE_TYPES, SYNC_RATE_LIMIT, type SyncSpaceType } from '#lib/qlik/cloud/app-listing.ts';
import { cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import { DEFAULT_CONCURRENCY, OnPremAppListing } from '#lib/qlik/onprem/app-listing.ts';
import { createQrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { AppSyncService, type ListingFactory } from '#lib/repository/app-sync-service.ts';
import { repositoryRoutes } from '#lib/repository/apps-api.ts';
import { LambdaSyncTrigger } from '#lib/repository/lambda-sync-trigger.ts';
import { SyncAppsRemoval } from '#lib/repository/server-apps-removal.ts';
import { InProcessSyncTrigger, type SyncTrigger } from '#lib/repository/sync-trigger.ts';
import { cloudConnectionOf, onPremConnectionOf } from '#lib/servers/effective-connection.ts';
import type { CloudSecret, OnPremSecret } from '#lib/servers/server-record.ts';
import { ServerService } from '#lib/servers/server-service.ts';
import type { ApiRoute } from '#lib/api/api-handler.ts';

/** The Qlik listing of a saved server: one QRS connection, or the container's Qlik Cloud pool and token. */
function qlikListings(): ListingFactory {
  const spaceTypes = parseSpaceTypes(serviceEnvironment().QLIK_CLOUD_SYNC_SPACE_TYPES);
  return ({ record, secret }, state) => {
    if (record.type === 'onprem') {
      const connection = onPremConnectionOf({ settings: record.settings, secret: secret as OnPremSecret }, state);
      return new OnPremAppListing(createQrsClient(connection, { defaultTimeoutMs: 60_000, connections: DEFAULT_CONCURRENCY }));
    }
    const connection = cloudConnectionOf({ settings: record.settings, secret: secret as CloudSecret }, state);
    const client = getCloudClient(connection.url);
    const tokens = cloudTokenProvider(client, connection.oauthClientId, connection.clientSecret);
    return new CloudAppListing(new QlikCloudApi(client, tokens, SYNC_RATE_LIMIT), { spaceTypes });
  };
}

export function appSyncServiceFromEnv(): AppSyncService {
  const { servers, secrets, apps, leases } = adaptersFromEnv();
  const service = new ServerService({ servers, secrets });
  return new AppSyncService({
    store: servers,
    loadServer: (id) => service.loadWithSecret(id),
    catalog: apps,
    leases,
    listings: qlikListings(),
    audit: adaptersFromEnv().audit,
  });
}

let inProcess: InProcessSyncTrigger | undefined;

/** In AWS an async invoke of the scheduled-sync function; without one configured, the run happens in this process. */
function syncTriggerFromEnv(sync: AppSyncService): SyncTrigger {
  const functionName = serviceEnvironment().SCHEDULED_SYNC_FUNCTION_NAME;
  if (functionName) return new LambdaSyncTrigger(new LambdaClient(awsClientConfig()), functionName);
  inProcess = new InProcessSyncTrigger((request) => sync.run(request));
  return inProcess;
}

/** The in-process trigger created last (tests and the local runtime wait for its runs). */
export function inProcessSyncTrigger(): InProcessSyncTrigger | undefined {
  return inProcess;
}

/** The settings API's share of the Repository: its routes, and the apps removal a server's DELETE hands over. */
export function repositoryFromEnv(): { routes: ApiRoute[]; appsRemoval: SyncAppsRemoval } {
  const sync = appSyncServiceFromEnv();
  const trigger = syncTriggerFromEnv(sync);
  return { routes: repositoryRoutes({ catalog: adaptersFromEnv().apps, sync, trigger, audit: adaptersFromEnv().audit }), appsRemoval: new SyncAppsRemoval(sync, trigger) };
}

function parseSpaceTypes(value: string | undefined): SyncSpaceType[] {
  if (!value) return DEFAULT_SYNC_SPACE_TYPES;
  const types = value.split(',').map((t) => t.trim()).filter(Boolean);
  const unknown = types.filter((t) => !['shared', 'managed', 'personal'].includes(t));
  if (unknown.length) throw new Error(`QLIK_CLOUD_SYNC_SPACE_TYPES may list shared, managed and personal; "${unknown.join(', ')}" is not one of them.`);
  return types as SyncSpaceType[];
}
