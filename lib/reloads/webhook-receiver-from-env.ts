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
import { requiredEnv, sharedDocumentClient, sharedSecretsManagerClient } from '#lib/aws/clients.ts';
import { DynamoDbAppCatalog } from '#lib/repository/dynamodb-app-catalog.ts';
import { reloadPipelineFromEnv } from '#lib/reloads/reload-pipeline-from-env.ts';
import { SigningSecretCache } from '#lib/reloads/signing-secret-cache.ts';
import { createWebhookReceiver, type WebhookReceiver } from '#lib/reloads/webhook-receiver.ts';
import { signingKeysFor, tenantKeyOf } from '#lib/reloads/webhook-signing-secrets.ts';
import { savedCloudTenant, type SavedCloudTenant } from '#lib/servers/cloud-tenants.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';

const TENANT_CACHE_MS = 60_000;

export function webhookReceiverFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookReceiver {
  const secretStore = new SecretsManagerSecretStore(sharedSecretsManagerClient(), { namePrefix: requiredEnv('SECRET_NAME_PREFIX', env) });
  const servers = new DynamoDbServerStore(sharedDocumentClient(), requiredEnv('SERVERS_TABLE_NAME', env));
  let saved: { tenant: Promise<SavedCloudTenant | null>; readAt: number } | null = null;
  const savedTenant = (): Promise<SavedCloudTenant | null> => {
    if (!saved || Date.now() - saved.readAt > TENANT_CACHE_MS) {
      const tenant = Promise.all([servers.get('cloud'), servers.getState('cloud')]).then(([record, state]) => savedCloudTenant(record, state));
      saved = { tenant, readAt: Date.now() };
      // A failed read is not cached: the next request tries again.
      tenant.catch(() => (saved = null));
    }
    return saved.tenant;
  };
  let pipeline: ReturnType<typeof reloadPipelineFromEnv>['pipeline'] | undefined;
  return createWebhookReceiver({
    secrets: new SigningSecretCache(async () => {
      const [tenant, stored] = await Promise.all([savedTenant(), secretStore.readCurrent<WebhookSigningSecret>('cloud-webhook')]);
      return tenant ? signingKeysFor(stored, tenantKeyOf(tenant.id, tenant.origin)) : null;
    }),
    expectedTenantId: async () => (await savedTenant())?.id ?? null,
    pipeline: async () => {
      pipeline ??= reloadPipelineFromEnv(new DynamoDbAppCatalog(sharedDocumentClient(), requiredEnv('APPS_TABLE_NAME', env)), env).pipeline;
      return pipeline;
    },
  });
}
