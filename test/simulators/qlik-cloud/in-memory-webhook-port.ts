/**
 * The webhook provisioning port for tests: the lock is an in-process queue (the real one is a DynamoDB lease),
 * and the signing secret lives in memory with the previous one kept, as the real secret store does.
 */
import type { WebhookProvisioningPort } from '#lib/qlik/cloud/webhook-ports.ts';

export const TEST_WEBHOOK_URL = 'https://kpimailer.example.com/webhooks/qlik-cloud';

export class InMemoryWebhookPort implements WebhookProvisioningPort {
  current: string | null = null;
  previous: string | null = null;
  /** How often a secret was saved and the lock taken: tests assert that reuse writes nothing. */
  saves = 0;
  lockAcquisitions = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(public targetUrl: string = TEST_WEBHOOK_URL) {}

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
