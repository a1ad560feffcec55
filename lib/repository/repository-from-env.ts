/**
 * Wires the app sync on the real adapters from the function's environment (set by the CDK stack or the local
 * runtime): the DynamoDB catalog, the lease table and the Qlik clients. The API's share (routes, how an API-started
 * sync runs) is in repository-api-from-env.ts, so the sync function does not bundle the Lambda client.
 *
 * Environment: APPS_TABLE_NAME, SERVERS_TABLE_NAME (leases and lastSync), QLIK_CLOUD_SYNC_SPACE_TYPES (default
 * `shared,managed`).
 */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { serviceEnvironment } from '#lib/aws/environment.ts';
import { parseSpaceTypes } from '#lib/qlik/cloud/sync-space-types.ts';
import { AppSyncService, type ListingFactory } from '#lib/repository/app-sync-service.ts';
import { ServerService } from '#lib/servers/server-service.ts';

/**
 * The Qlik listing of a saved server (qlik-listings.ts), loaded with its Qlik clients on the first sync only: undici
 * and the Qlik client code would otherwise add to the cold start of every settings API request.
 */
function qlikListings(): ListingFactory {
  const spaceTypes = parseSpaceTypes(serviceEnvironment().QLIK_CLOUD_SYNC_SPACE_TYPES);
  return async (loaded, state) =>
    (await import('#lib/repository/qlik-listings.ts')).qlikListing(loaded, state, spaceTypes);
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
