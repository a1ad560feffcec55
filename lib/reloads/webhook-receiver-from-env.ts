/**
 * The webhook receiver on the real adapters. Everything is built on the first request and kept for the container's
 * life: the signing secret (cached, see signing-secret-cache.ts), the cloud server's tenant id (re-read every
 * minute, so a tenant change reaches warm containers soon), and the pipeline, which is only built once a request
 * has passed the signature check.
 *
 * Environment: SECRET_NAME_PREFIX, SERVERS_TABLE_NAME, APPS_TABLE_NAME and the pipeline's (reload-pipeline-from-env.ts).
 * IAM: read the `cloud-webhook` secret only, read the servers table, update apps, write the reload events table,
 * put events on the bus.
 */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { reloadPipelineFromEnv } from '#lib/reloads/reload-pipeline-from-env.ts';
import { SigningSecretCache } from '#lib/reloads/signing-secret-cache.ts';
import { createWebhookReceiver, type WebhookReceiver } from '#lib/reloads/webhook-receiver.ts';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';

const TENANT_CACHE_MS = 60_000;

export function webhookReceiverFromEnv(): WebhookReceiver {
  const adapters = adaptersFromEnv();
  let tenant: { id: string | null; readAt: number } | null = null;
  let pipeline: ReturnType<typeof reloadPipelineFromEnv> | undefined;
  return createWebhookReceiver({
    secrets: new SigningSecretCache(() => adapters.secrets.readCurrent<WebhookSigningSecret>('cloud-webhook')),
    expectedTenantId: async () => {
      if (!tenant || Date.now() - tenant.readAt > TENANT_CACHE_MS) {
        tenant = { id: (await adapters.servers.getState('cloud')).tenant?.id ?? null, readAt: Date.now() };
      }
      return tenant.id;
    },
    pipeline: async () => {
      pipeline ??= reloadPipelineFromEnv();
      return pipeline;
    },
  });
}
