/**
 * The Qlik listing of a saved server: one QRS connection, or the container's Qlik Cloud pool and token. Loaded by
 * repository-from-env.ts on the first sync only (it brings undici and the Qlik clients).
 */
import { CloudAppListing, SYNC_RATE_LIMIT } from '#lib/qlik/cloud/app-listing.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import type { SyncSpaceType } from '#lib/qlik/cloud/sync-space-types.ts';
import { cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import { DEFAULT_CONCURRENCY, OnPremAppListing } from '#lib/qlik/onprem/app-listing.ts';
import { createQrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import type { AppListing } from '#lib/repository/app-listing.ts';
import { cloudConnectionOf, onPremConnectionOf } from '#lib/servers/effective-connection.ts';
import type { CloudSecret, OnPremSecret, ServerRecord, ServerSecret, ServerState } from '#lib/servers/server-record.ts';

export function qlikListing(
  { record, secret }: { record: ServerRecord; secret: ServerSecret },
  state: ServerState,
  spaceTypes: SyncSpaceType[],
): AppListing {
  if (record.type === 'onprem') {
    const connection = onPremConnectionOf({ settings: record.settings, secret: secret as OnPremSecret }, state);
    return new OnPremAppListing(
      createQrsClient(connection, { defaultTimeoutMs: 60_000, connections: DEFAULT_CONCURRENCY }),
    );
  }
  const connection = cloudConnectionOf({ settings: record.settings, secret: secret as CloudSecret }, state);
  const client = getCloudClient(connection.url);
  const tokens = cloudTokenProvider(client, connection.oauthClientId, connection.clientSecret);
  return new CloudAppListing(new QlikCloudApi(client, tokens, SYNC_RATE_LIMIT), { spaceTypes });
}
