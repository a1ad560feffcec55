import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '#lib/aws/clients.ts';
import { sharedSecretsManagerClient } from '#lib/aws/secrets-manager-client.ts';
import { createWebhookProvisioning } from '#lib/connection-test/webhook-provisioning.ts';
import { DynamoDbLeaseProvider } from '#lib/leases/dynamodb-lease.ts';
import { startLocalRuntime, type LocalRuntime } from '#lib/local/local-runtime.ts';
import { LocalReloadPublisher } from '#lib/reloads/local-reload-publisher.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import { QlikCloudState } from '#test/simulators/qlik-cloud/index.ts';
import {
  appReloadFinishedEvent,
  reloadFinishedEvent,
  WebhookSender,
} from '#test/simulators/qlik-cloud/webhook-delivery.ts';

const SECRET = 'local-runtime-signing-secret-0123456789abcd';

describe('the local runtime (npm start) serves POST /webhooks/qlik-cloud', () => {
  let runtime: LocalRuntime;
  let dataDir: string;
  let sender: WebhookSender;
  let webhookId: string;
  let tenant: QlikCloudState;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kpimailer-reloads-'));
    runtime = await startLocalRuntime({ port: 0, dataDir, env: { RELOAD_MONITOR_INTERVAL_SECONDS: '0' } });
    // The runtime pointed the SDK's endpoint variables at its own stores; the same adapters reach them from here.
    const secrets = new SecretsManagerSecretStore(sharedSecretsManagerClient(), {
      namePrefix: process.env.SECRET_NAME_PREFIX!,
    });
    tenant = new QlikCloudState();
    // What a connection test of this tenant records: its signing secret and its tenant id.
    const leases = new DynamoDbLeaseProvider(sharedDocumentClient(), process.env.SERVERS_TABLE_NAME!);
    await createWebhookProvisioning({ secrets, leases, targetUrl: 'https://unused.example.com' })
      .forTenant(tenant.tenantId)
      .saveSigningSecret(SECRET);
    await new DynamoDbServerStore(sharedDocumentClient(), process.env.SERVERS_TABLE_NAME!).updateState('cloud', {
      tenant: { id: tenant.tenantId, url: 'https://tenant.example.com' },
    });
    webhookId = tenant.webhooks.seed({
      name: 'kpimailer',
      url: 'https://kpimailer.example.com/webhooks/qlik-cloud',
      secret: SECRET,
    }).id;
    sender = new WebhookSender(tenant);
  });
  afterAll(async () => {
    await runtime?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts a signed delivery once, publishes it to the local store, and lists it', async () => {
    // Prepare
    const event = reloadFinishedEvent(tenant, { appId: 'app-local-1', reloadId: 'local-reload-1' });
    const to = `${runtime.url}/webhooks/qlik-cloud`;

    // Act
    const first = await sender.deliver(webhookId, event, { to });
    const again = await sender.deliver(webhookId, event, { to });
    const legacy = await sender.deliver(
      webhookId,
      appReloadFinishedEvent(tenant, { appId: 'app-local-2', reloadId: 'local-reload-2' }, 'legacy'),
      { to },
    );
    const unsigned = await fetch(to, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });

    // Assess
    expect([first.status, again.status, legacy.status, unsigned.status]).toEqual([202, 200, 202, 401]);
    const published = await new LocalReloadPublisher(
      sharedDocumentClient(),
      process.env.RELOAD_EVENTS_TABLE_NAME!,
    ).listPublished('cloud');
    expect(published.map((p) => p.detail.reloadId).sort()).toEqual(['local-reload-1', 'local-reload-2']);
    const listed = (await (await fetch(`${runtime.url}/api/servers/cloud/reloads?limit=10`)).json()) as {
      reloads: Array<{ reloadId: string }>;
    };
    expect(listed.reloads.map((r) => r.reloadId).sort()).toEqual(['local-reload-1', 'local-reload-2']);
  });
});
