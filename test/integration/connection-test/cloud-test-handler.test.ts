import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDefaultCloudClientOptions } from '#lib/qlik/cloud/cloud-client.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SecretsManagerSecretStore } from '#lib/servers/secrets-manager-secret-store.ts';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';
import { startQlikCloudSimulator, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import { startHandlers, type HandlerHarness } from './handler-harness.ts';

const PUBLIC_URL = 'https://kpimailer.example.com';
const TARGET = `${PUBLIC_URL}/webhooks/qlik-cloud`;

describe('POST /api/servers/cloud/test through the real handler', () => {
  let sim: QlikCloudSimulator;
  let api: HandlerHarness;
  let draft: Record<string, unknown>;

  beforeAll(async () => {
    sim = await startQlikCloudSimulator({
      clients: [{ clientId: 'kpimailer-m2m', clientSecret: 'm2m-secret-0123456789' }],
    });
    setDefaultCloudClientOptions({ ca: sim.caPem });
    api = await startHandlers({ KPIMAILER_PUBLIC_URL: PUBLIC_URL });
    draft = {
      displayName: 'Simulated tenant',
      url: sim.url,
      oauthClientId: 'kpimailer-m2m',
      oauthClientSecret: 'm2m-secret-0123456789',
      webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2',
    };
  });
  afterAll(async () => {
    await api?.close();
    await sim?.close();
  });

  const ourWebhooks = () => sim.state.webhooks.all().filter((w) => w.url === TARGET);

  it('passes both checks, creates one webhook and keeps its signing secret in its own secret', async () => {
    // Act
    const response = await api.call('POST', '/api/servers/cloud/test', { body: draft });

    // Assess
    const result = response.json();
    expect(response.status).toBe(200);
    expect(result.checks.map((c: { name: string; status: string }) => `${c.name}: ${c.status}`)).toEqual([
      'Server reachable: passed',
      'Authentication: passed',
    ]);
    expect(result.checks[1].message).toMatch(/created/i);
    expect(ourWebhooks()).toHaveLength(1);
    const stored = await new SecretsManagerSecretStore(api.aws.secretsClient, {
      namePrefix: api.aws.secretNamePrefix,
    }).readCurrent<WebhookSigningSecret>('cloud-webhook');
    const signing = stored?.tenants?.[sim.state.tenantId];
    expect(signing?.secret).toMatch(/^[A-Za-z0-9_-]{32,64}$/);
    expect(ourWebhooks()[0]!.secret).toBe(signing!.secret);
    expect(response.body).not.toContain(signing!.secret);
    expect((await api.call('GET', '/api/servers/cloud')).json().webhook).toMatchObject({ enabled: true });
    // The receiver refuses other tenants' events from the first delivery on.
    const state = await new DynamoDbServerStore(api.aws.documentClient, api.aws.serversTableName).getState('cloud');
    expect(state.tenant).toEqual({ id: sim.state.tenantId, url: sim.url });
  });

  it('ends with exactly one webhook after ten concurrent tests (the DynamoDB lease serialises provisioning)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.call('POST', '/api/servers/cloud/test', { body: draft })),
    );

    expect(responses.map((r) => r.json().ok)).toEqual(Array(10).fill(true));
    expect(responses.map((r) => r.json().checks[1].message)).toEqual(Array(10).fill(expect.stringMatching(/reused/i)));
    expect(ourWebhooks()).toHaveLength(1);
  });

  it('repairs a webhook that was disabled on the Qlik side', async () => {
    ourWebhooks()[0]!.enabled = false;

    const result = (await api.call('POST', '/api/servers/cloud/test', { body: draft })).json();

    expect(result.checks[1].message).toMatch(/repaired/i);
    expect(ourWebhooks()).toEqual([expect.objectContaining({ enabled: true })]);
  });

  it('reports a wrong client secret on Authentication and provisions nothing', async () => {
    const before = sim.state.webhooks.all().length;

    const result = (
      await api.call('POST', '/api/servers/cloud/test', { body: { ...draft, oauthClientSecret: 'not-the-secret-000' } })
    ).json();

    expect(result.ok).toBe(false);
    expect(result.checks[1]).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/client ID or secret/i),
    });
    expect(sim.state.webhooks.all()).toHaveLength(before);
  });
});
