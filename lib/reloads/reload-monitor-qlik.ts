/**
 * The reload monitor's Qlik side: QRS for the on-premise poller, the Qlik Cloud API for the webhook's health. Loaded
 * by reload-monitor-from-env.ts with `await import()` only in a run that has a server to talk to, so the runs of a
 * deployment with nothing connected never load undici and the Qlik clients.
 */
import type { CloudConnection, OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { getCloudClient, type RateLimitPolicy } from '#lib/qlik/cloud/cloud-client.ts';
import { cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import { createQrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { appNamesById, executionResultsSince, reloadTaskIds } from '#lib/qlik/onprem/reload-results.ts';
import type { ReloadMonitorDeps } from '#lib/reloads/reload-monitor.ts';

/**
 * A run has 29 s and the next one is a minute away: waiting out a long `Retry-After` here would only time the run
 * out, so a rate-limited call fails fast and the next run tries again.
 */
const MONITOR_RATE_LIMIT: RateLimitPolicy = { maxAttempts: 3, maxTotalWaitMs: 8_000 };

export const onPremReloadSource: ReloadMonitorDeps['onPremSource'] = async (connection: OnPremConnection) => {
  const qrs = createQrsClient(connection);
  return {
    changedSince: (since) => executionResultsSince(qrs, since),
    appNames: (ids) => appNamesById(qrs, ids),
    reloadTasks: (ids) => reloadTaskIds(qrs, ids),
    close: () => qrs.close(),
  };
};

export const monitorCloudApi: ReloadMonitorDeps['cloudApi'] = async (connection: CloudConnection) => {
  const client = getCloudClient(connection.url);
  const tokens = cloudTokenProvider(client, connection.oauthClientId, connection.clientSecret);
  return new QlikCloudApi(client, tokens, MONITOR_RATE_LIMIT);
};
