/**
 * The webhook receiver on the real adapters. Everything is built on the first request and kept for the container's
 * life: the saved Qlik Cloud tenant (re-read every minute, so a save that points at another tenant reaches warm
 * containers soon), its signing secret (cached, see signing-secret-cache.ts), and the pipeline, which is only built
 * once a request has passed the signature check.
 *
 * Only the saved tenant's signing secret verifies deliveries: webhooks that tests of drafts provisioned in other
 * tenants post here too, and their events are not this deployment's to process.
 *
 * Environment: SECRET_NAME_PREFIX, SERVERS_TABLE_NAME, APPS_TABLE_NAME and the pipeline's (reload-pipeline-from-env.ts).
 * IAM: read the `cloud-webhook` secret only, read the servers table, update apps, write the reload events table,
 * put events on the bus.
 */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
// Every delivery reads the signing secret first: Secrets Manager's client loads with this function, so the first
// delivery does not wait for its chunk to load (adapters-from-env.ts otherwise loads it on first use).
import '#lib/aws/secrets-manager-client.ts';
import '#lib/servers/secrets-manager-secret-store.ts';
import { reloadPipelineFromEnv } from '#lib/reloads/reload-pipeline-from-env.ts';
import { SigningSecretCache } from '#lib/reloads/signing-secret-cache.ts';
import { createWebhookReceiver, type WebhookReceiver } from '#lib/reloads/webhook-receiver.ts';
import { signingKeysFor, tenantKeyOf } from '#lib/reloads/webhook-signing-secrets.ts';
import { savedCloudTenant, type SavedCloudTenant } from '#lib/servers/cloud-tenants.ts';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';

const TENANT_CACHE_MS = 60_000;

export function webhookReceiverFromEnv(): WebhookReceiver {
  const adapters = adaptersFromEnv();
  let saved: { tenant: Promise<SavedCloudTenant | null>; readAt: number } | null = null;
  const savedTenant = (): Promise<SavedCloudTenant | null> => {
    if (!saved || Date.now() - saved.readAt > TENANT_CACHE_MS) {
      const tenant = Promise.all([adapters.servers.get('cloud'), adapters.servers.getState('cloud')]).then(
        ([record, state]) => savedCloudTenant(record, state),
      );
      saved = { tenant, readAt: Date.now() };
      // A failed read is not cached: the next request tries again.
      tenant.catch(() => (saved = null));
    }
    return saved.tenant;
  };
  let pipeline: ReturnType<typeof reloadPipelineFromEnv> | undefined;
  return createWebhookReceiver({
    secrets: new SigningSecretCache(async () => {
      const [tenant, stored] = await Promise.all([
        savedTenant(),
        adapters.secrets.readCurrent<WebhookSigningSecret>('cloud-webhook'),
      ]);
      return tenant ? signingKeysFor(stored, tenantKeyOf(tenant.id, tenant.origin)) : null;
    }),
    expectedTenantId: async () => (await savedTenant())?.id ?? null,
    pipeline: async () => {
      pipeline ??= reloadPipelineFromEnv();
      return pipeline;
    },
  });
}
