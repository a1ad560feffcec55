/**
 * The webhook provisioning port for tests: the lock is an in-process queue (the real one is a DynamoDB lease),
 * and the signing secret lives in memory with the previous one kept, as the real secret store does. One instance
 * stands for one simulated tenant, so `forTenant` answers itself and records which tenant key it was asked for.
 */
import type { TenantWebhookPorts, WebhookProvisioningPort } from '#lib/qlik/cloud/webhook-ports.ts';

export const TEST_WEBHOOK_URL = 'https://kpimailer.example.com/webhooks/qlik-cloud';

export class InMemoryWebhookPort implements WebhookProvisioningPort, TenantWebhookPorts {
  current: string | null = null;
  /** The tenant keys provisioning asked for. */
  tenantKeys: string[] = [];
  previous: string | null = null;
  /** How often a secret was saved and the lock taken: tests assert that reuse writes nothing. */
  saves = 0;
  lockAcquisitions = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(public targetUrl: string = TEST_WEBHOOK_URL) {}

  forTenant(tenantKey: string): WebhookProvisioningPort {
    this.tenantKeys.push(tenantKey);
    return this;
  }

  async withLock<T>(work: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await before;
    this.lockAcquisitions++;
    try {
      return await work();
    } finally {
      release();
    }
  }

  async currentSigningSecret(): Promise<string | null> {
    return this.current;
  }

  async saveSigningSecret(secret: string): Promise<void> {
    this.saves++;
    this.previous = this.current;
    this.current = secret;
  }
}
