import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';
import { startQlikCloudSimulator, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import { reloadFinishedEvent, WebhookSender } from '#test/simulators/qlik-cloud/webhook-delivery.ts';
import { callApi } from '#test/support/api-events.ts';
import {
  PUBLIC_WEBHOOK_URL,
  startReloadHandlers,
  type ReloadHarness,
} from '#test/integration/reloads/reload-harness.ts';

const SAVED = { clientId: 'saved-m2m', clientSecret: 'saved-m2m-secret-0123456789abcdef' };
const OTHER = { clientId: 'other-m2m', clientSecret: 'other-m2m-secret-0123456789abcdef' };

/**
 * A test of a draft for another Qlik Cloud tenant provisions a webhook there (with a signing secret of its own), and
 * must leave the saved tenant alone: its webhook's secret, its recorded tenant id, and which events the receiver
 * accepts. Before secrets were kept per tenant, such a test re-keyed the one signing secret and replaced the tenant
 * id, so the saved tenant's deliveries stopped verifying once the 24 h grace period ran out.
 */
describe('testing a draft for a second tenant', () => {
  let saved: QlikCloudSimulator;
  let other: QlikCloudSimulator;
  let h: ReloadHarness;
  let testConnection: unknown;

  beforeAll(async () => {
    [saved, other] = await Promise.all([
      startQlikCloudSimulator({ clients: [SAVED] }),
      startQlikCloudSimulator({ clients: [OTHER] }),
    ]);
    h = await startReloadHandlers({
      cloudCa: [saved.caPem, other.caPem],
      env: { KPIMAILER_ALLOW_LOOPBACK_QLIK: 'true' },
    });
    testConnection = (await import('#functions/test-connection/handler.ts')).handler;
    await h.service.save('cloud', {
      displayName: 'Saved tenant',
      url: saved.url,
      oauthClientId: SAVED.clientId,
      oauthClientSecret: SAVED.clientSecret,
      webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2',
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([saved?.close(), other?.close()]);
  });

  const test = async (body: Record<string, unknown>) =>
    (await callApi(testConnection, 'POST', '/api/servers/cloud/test', { body })).json();
  const ourWebhook = (sim: QlikCloudSimulator) => sim.state.webhooks.all().find((w) => w.url === PUBLIC_WEBHOOK_URL)!;
  const deliverFrom = (sim: QlikCloudSimulator, reloadId: string, tenantId?: string) =>
    h.deliver(
      new WebhookSender(sim.state).signedRequest(
        ourWebhook(sim).id,
        reloadFinishedEvent(sim.state, { appId: 'app-1', reloadId, tenantId }),
      ),
    );
  const signingSecrets = async () =>
    (await h.secrets.readCurrent<WebhookSigningSecret>('cloud-webhook'))?.tenants ?? {};

  it('leaves the saved tenant verifying, its tenant id recorded, and the receiver accepting only its events', async () => {
    // Prepare: the saved configuration is tested, which provisions the saved tenant's webhook
    expect((await test({})).ok).toBe(true);
    const savedWebhook = ourWebhook(saved);
    const savedState = await h.servers.getState('cloud');
    const savedSecret = (await signingSecrets())[saved.state.tenantId];
    expect((await deliverFrom(saved, 'before-draft-test')).status).toBe(202);

    // Act: a draft for another tenant is tested (and provisions a webhook there), but not saved
    const draft = await test({ url: other.url, oauthClientId: OTHER.clientId, oauthClientSecret: OTHER.clientSecret });
    await h.restart(); // a cold receiver reads everything again

    // Assess
    expect(draft.ok).toBe(true);
    expect(ourWebhook(other)).toBeDefined();
    const secrets = await signingSecrets();
    expect(secrets[saved.state.tenantId]).toEqual(savedSecret); // not re-keyed, no grace period running out
    expect(saved.state.webhooks.get(savedWebhook.id).secret).toBe(savedSecret!.secret);
    expect(secrets[other.state.tenantId]?.secret).toBe(ourWebhook(other).secret);
    const state = await h.servers.getState('cloud');
    expect(state.tenant).toEqual(savedState.tenant);
    expect(state.webhook).toEqual(savedState.webhook);
    expect(state.cloudTenants?.[new URL(other.url).origin]).toMatchObject({
      id: other.state.tenantId,
      webhook: { id: ourWebhook(other).id },
    });
    expect((await deliverFrom(saved, 'after-draft-test')).status).toBe(202);
    // The draft tenant's webhook posts here too; its events are not the saved tenant's and change nothing.
    expect((await deliverFrom(other, 'from-draft-tenant')).status).toBe(401);
    expect((await deliverFrom(saved, 'claims-draft-tenant', other.state.tenantId)).status).toBe(403);
    const published = (await h.published('cloud')).map((p) => p.detail.reloadId).sort();
    expect(published).toEqual(['after-draft-test', 'before-draft-test']);
  });

  it('switches the receiver to the other tenant once that draft is saved', async () => {
    // Act
    const { version } = (await h.api('GET', '/api/servers/cloud')).json() as { version: number };
    await h.service.save('cloud', {
      displayName: 'Other tenant',
      url: other.url,
      oauthClientId: OTHER.clientId,
      oauthClientSecret: OTHER.clientSecret,
      webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2',
      version,
    });
    await h.restart();

    // Assess
    const state = await h.servers.getState('cloud');
    expect(state.tenant).toEqual({ id: other.state.tenantId, url: other.url });
    expect(state.webhook).toMatchObject({ id: ourWebhook(other).id });
    expect((await deliverFrom(other, 'after-save')).status).toBe(202);
    expect((await deliverFrom(saved, 'from-previous-tenant')).status).toBe(401);
  });
});
