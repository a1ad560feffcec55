/**
 * `DELETE /api/servers/{id}?cleanup=true`: removes in Qlik what the service provisioned there, before the settings
 * go (the settings hold the only credentials that can). Only objects the service recorded as its own are touched:
 * on-premise the virtual proxy whose id is in the server's state and whose prefix is still `kpimailer`; in Qlik
 * Cloud the reload webhook whose id is in the state. Something already gone counts as removed by someone else and
 * is not reported; any other Qlik failure stops the delete with nothing deleted (QlikCleanupError, 502), so the
 * admin can retry or delete without cleanup.
 */
import { UpstreamError } from '#lib/errors.ts';
import { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { QlikCloudApiError } from '#lib/qlik/cloud/cloud-errors.ts';
import { getCloudClient } from '#lib/qlik/cloud/cloud-client.ts';
import { cloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';
import { createQrsClient, type QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import type { QrsVirtualProxyConfig } from '#lib/qlik/onprem/qrs-types.ts';
import { VIRTUAL_PROXY_PREFIX } from '#lib/qlik/onprem/virtual-proxy.ts';
import { onPremConnectionOf } from '#lib/servers/effective-connection.ts';
import type { CloudSecret, OnPremSecret, ServerRecord, ServerSecret, ServerState } from '#lib/servers/server-record.ts';
import type { QlikSideCleanup } from '#lib/servers/server-service.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

/** Qlik answered something other than success or "not found" while the service removed its own object. */
export class QlikCleanupError extends UpstreamError {
  override readonly name = 'QlikCleanupError';
}

export interface QlikSideCleanupDeps {
  qrs?: (record: Extract<ServerRecord, { type: 'onprem' }>, secret: OnPremSecret, state: ServerState) => QrsClient;
  cloudApi?: (record: Extract<ServerRecord, { type: 'cloud' }>, secret: CloudSecret) => QlikCloudApi;
}

export function qlikSideCleanup(deps: QlikSideCleanupDeps = {}): QlikSideCleanup {
  const qrsFor =
    deps.qrs ??
    ((record, secret, state) => createQrsClient(onPremConnectionOf({ settings: record.settings, secret }, state)));
  const cloudApiFor =
    deps.cloudApi ??
    ((record, secret) => {
      const client = getCloudClient(record.settings.url);
      return new QlikCloudApi(client, cloudTokenProvider(client, record.settings.oauthClientId, secret.clientSecret));
    });
  return {
    remove: async (
      _id: ServerId,
      { record, secret }: { record: ServerRecord; secret: ServerSecret },
      state: ServerState,
    ) => {
      if (record.type === 'onprem') {
        if (!state.virtualProxy) return [];
        const qrs = qrsFor(record, secret as OnPremSecret, state);
        try {
          return await removeVirtualProxy(qrs, state.virtualProxy.id);
        } finally {
          await qrs.close();
        }
      }
      if (!state.webhook) return [];
      return removeWebhook(cloudApiFor(record, secret as CloudSecret), state.webhook.id);
    },
  };
}

async function removeVirtualProxy(qrs: QrsClient, id: string): Promise<string[]> {
  const path = `/qrs/virtualproxyconfig/${encodeURIComponent(id)}`;
  try {
    const current = await qrs.get<QrsVirtualProxyConfig>(path);
    // An admin may have repurposed the entity since; only our prefix marks it as ours to remove.
    if (current.prefix !== VIRTUAL_PROXY_PREFIX) return [];
    // QRS drops the proxy services' links to a deleted virtual proxy itself.
    await qrs.delete(path);
    return [`virtual proxy "${VIRTUAL_PROXY_PREFIX}" (${id})`];
  } catch (error) {
    if (error instanceof QrsRequestError && error.status === 404) return [];
    throw new QlikCleanupError(
      `Could not remove the "${VIRTUAL_PROXY_PREFIX}" virtual proxy in Qlik Sense (${describe(error)}); nothing was deleted. Try again, or delete without cleanup and remove it in the QMC.`,
      { cause: error },
    );
  }
}

async function removeWebhook(api: QlikCloudApi, id: string): Promise<string[]> {
  try {
    await api.delete(`/api/v1/webhooks/${encodeURIComponent(id)}`, { operation: 'webhooks.delete' });
    return [`reload webhook (${id})`];
  } catch (error) {
    if (error instanceof QlikCloudApiError && error.status === 404) return [];
    throw new QlikCleanupError(
      `Could not remove the reload webhook in Qlik Cloud (${describe(error)}); nothing was deleted. Try again, or delete without cleanup and remove it under Administration → Webhooks.`,
      { cause: error },
    );
  }
}

/** A status for Qlik's answers, the error class otherwise: never Qlik's own text (nothing foreign is reflected). */
function describe(error: unknown): string {
  if (error instanceof QrsRequestError || error instanceof QlikCloudApiError) return `Qlik answered ${error.status}`;
  return error instanceof Error ? error.name : 'unknown error';
}
