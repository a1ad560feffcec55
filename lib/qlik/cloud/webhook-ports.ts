/**
 * What webhook provisioning needs from the rest of the service. The owner of the test-connection handler
 * implements it (a DynamoDB lease for the lock, the `cloud-webhook` secret for the signing secrets); tests use an
 * in-memory implementation under test/simulators/qlik-cloud/.
 */
export interface WebhookProvisioningPort {
  /** The public URL Qlik must post to (webhook-receiver function URL, or KPIMAILER_PUBLIC_URL + '/webhooks/qlik-cloud' locally). */
  targetUrl: string;
  /** Serialises provisioning across concurrent tests and containers (the owner implements it with a DynamoDB lease). */
  withLock<T>(work: () => Promise<T>): Promise<T>;
  /** The signing secret stored for this tenant's webhook, or null. */
  currentSigningSecret(): Promise<string | null>;
  /** Stores a newly generated signing secret before Qlik is told about it (keeping the previous one for a grace period). */
  saveSigningSecret(secret: string): Promise<void>;
}

/**
 * Provisioning ports for every tenant this deployment may reach: each tenant's webhook has a signing secret of its
 * own, so provisioning in a tenant under test never re-keys the saved tenant's webhook.
 */
export interface TenantWebhookPorts {
  targetUrl: string;
  /** The port of one tenant, by `tenantKeyOf` (lib/reloads/webhook-signing-secrets.ts). */
  forTenant(tenantKey: string): WebhookProvisioningPort;
}
