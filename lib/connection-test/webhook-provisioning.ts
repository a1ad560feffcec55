/**
 * The service side of Qlik Cloud webhook provisioning: where the signing secrets live (a secret of their own,
 * readable by the webhook receiver without the OAuth client secret; one entry per tenant) and a lease so concurrent
 * tests never create two webhooks. Every write of a signing secret happens under that lease (webhook-subscription.ts
 * saves only inside `withLock`), so the read-modify-write of the per-tenant entries never loses one.
 */
import { randomUUID } from 'node:crypto';
import { WEBHOOK_RECEIVER_PATH } from '#lib/api/routes.ts';
import { serviceEnvironment, type ServiceEnvironment } from '#lib/aws/environment.ts';
import { withLease, type LeaseProvider } from '#lib/leases/lease.ts';
import type { TenantWebhookPorts } from '#lib/qlik/cloud/webhook-ports.ts';
import { signingKeysFor, withTenantSecret } from '#lib/reloads/webhook-signing-secrets.ts';
import type { SecretStore } from '#lib/servers/server-ports.ts';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';

export function createWebhookProvisioning(deps: {
  secrets: SecretStore;
  leases: LeaseProvider;
  targetUrl: string;
  now?: () => Date;
}): TenantWebhookPorts {
  const now = deps.now ?? (() => new Date());
  const readStored = () => deps.secrets.readCurrent<WebhookSigningSecret>('cloud-webhook');
  return {
    targetUrl: deps.targetUrl,
    forTenant: (tenantKey) => ({
      targetUrl: deps.targetUrl,
      withLock: (work) => withLease(deps.leases, 'cloud-webhook-provisioning', work, { ttlMs: 30_000, waitMs: 28_000 }),
      currentSigningSecret: async () => signingKeysFor(await readStored(), tenantKey)?.secret ?? null,
      saveSigningSecret: async (secret) => {
        const ref = await deps.secrets.stage(
          'cloud-webhook',
          withTenantSecret(await readStored(), tenantKey, secret, now()),
        );
        await deps.secrets.promote('cloud-webhook', ref);
      },
    }),
  };
}

/** The URL Qlik posts to: the receiver's function URL in AWS, or the local runtime's route. */
export function webhookTargetUrl(environment: ServiceEnvironment = serviceEnvironment()): string {
  const { WEBHOOK_PUBLIC_URL, KPIMAILER_PUBLIC_URL } = environment;
  if (WEBHOOK_PUBLIC_URL) return WEBHOOK_PUBLIC_URL;
  if (KPIMAILER_PUBLIC_URL) return `${KPIMAILER_PUBLIC_URL.replace(/\/$/, '')}${WEBHOOK_RECEIVER_PATH}`;
  // Not configured: provisioning still needs a stable URL to find "our" webhook by; this one is never reachable.
  return `https://kpimailer.invalid${WEBHOOK_RECEIVER_PATH}/${randomUUID()}`;
}
