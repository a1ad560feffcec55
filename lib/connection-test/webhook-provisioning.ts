/**
 * The service side of Qlik Cloud webhook provisioning: where the signing secret lives (its own secret, readable by
 * the webhook receiver without the OAuth client secret) and a lease so concurrent tests never create two webhooks.
 */
import { randomUUID } from 'node:crypto';
import { WEBHOOK_RECEIVER_PATH } from '#lib/api/routes.ts';
import { serviceEnvironment, type ServiceEnvironment } from '#lib/aws/environment.ts';
import { withLease, type LeaseProvider } from '#lib/leases/lease.ts';
import type { WebhookProvisioningPort } from '#lib/qlik/cloud/webhook-ports.ts';
import type { SecretStore } from '#lib/servers/server-ports.ts';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';

/** Deliveries signed with the previous secret are still accepted this long after a rotation. */
export const WEBHOOK_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

export function createWebhookProvisioning(deps: {
  secrets: SecretStore;
  leases: LeaseProvider;
  targetUrl: string;
  now?: () => Date;
}): WebhookProvisioningPort {
  const now = deps.now ?? (() => new Date());
  return {
    targetUrl: deps.targetUrl,
    withLock: (work) => withLease(deps.leases, 'cloud-webhook-provisioning', work, { ttlMs: 30_000, waitMs: 28_000 }),
    currentSigningSecret: async () => (await deps.secrets.readCurrent<WebhookSigningSecret>('cloud-webhook'))?.secret ?? null,
    saveSigningSecret: async (secret) => {
      const previous = await deps.secrets.readCurrent<WebhookSigningSecret>('cloud-webhook');
      const value: WebhookSigningSecret = {
        kind: 'webhook',
        secret,
        previous: previous?.secret ?? null,
        previousUntil: previous ? new Date(now().getTime() + WEBHOOK_SECRET_GRACE_MS).toISOString() : null,
      };
      const ref = await deps.secrets.stage('cloud-webhook', value);
      await deps.secrets.promote('cloud-webhook', ref);
    },
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
