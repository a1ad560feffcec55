import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearRateTierPauses } from '#lib/qlik/cloud/rate-tier-pause.ts';
import type { WebhookSigningSecret } from '#lib/servers/server-record.ts';
import { startQlikCloudSimulator, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import { reloadFinishedEvent, WebhookSender } from '#test/simulators/qlik-cloud/webhook-delivery.ts';
import { closedPort } from '#test/simulators/qlik-sense-enterprise/index.ts';
import {
  PUBLIC_WEBHOOK_URL,
  startReloadHandlers,
  type ReloadHarness,
} from '#test/integration/reloads/reload-harness.ts';

const CLIENT_ID = 'kpimailer-m2m';
const CLIENT_SECRET = 'm2m-secret-0123456789abcdef';

describe('Qlik Cloud webhook health through the reload-monitor handler', () => {
  let sim: QlikCloudSimulator;
  let h: ReloadHarness;

  beforeAll(async () => {
    sim = await startQlikCloudSimulator({ clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] });
    h = await startReloadHandlers({ cloudCa: sim.caPem });
    await h.service.save('cloud', {
      displayName: 'Simulated tenant',
      url: sim.url,
      oauthClientId: CLIENT_ID,
      oauthClientSecret: CLIENT_SECRET,
      webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2',
    });
  });
  afterAll(async () => {
    await h?.close();
    await sim?.close();
  });

  const ours = () => sim.state.webhooks.all().filter((w) => w.url === PUBLIC_WEBHOOK_URL);
  const cloudView = async () => (await h.api('GET', '/api/servers/cloud')).json();
  /** What the monitor recorded in the audit trail, newest first. */
  const monitorEntries = async () =>
    (
      (await h.api('GET', '/api/audit', { serverId: 'cloud' })).json().entries as Array<{
        actor: { sub: string };
        action: string;
        changes: Array<{ field: string; from: unknown; to: unknown }>;
      }>
    ).filter((entry) => entry.actor.sub === 'schedule');

  it('learns the tenant id and creates the missing webhook on the first run', async () => {
    // Act
    const report = await h.runMonitor();

    // Assess
    expect(report.cloud).toEqual({
      status: 'done',
      result: { tenantId: sim.state.tenantId, webhook: 'missing', repaired: true },
    });
    expect((await h.servers.getState('cloud')).tenant).toEqual({ id: sim.state.tenantId, url: sim.url });
    expect(ours()).toHaveLength(1);
    expect(ours()[0]).toMatchObject({ enabled: true, eventTypes: ['com.qlik.v1.reload.finished'] });
    expect((await cloudView()).webhook).toEqual({ id: ours()[0]!.id, enabled: true, disabledReason: null });
    const entries = await monitorEntries();
    expect(entries.map((e) => e.action)).toEqual(['webhook.provisioned']);
    expect(entries[0]!.changes[0]).toEqual({ field: 'webhook.id', from: null, to: ours()[0]!.id });
  });

  it('only reads while the webhook is healthy', async () => {
    sim.requests.length = 0;
    const report = await h.runMonitor();
    expect(report.cloud).toMatchObject({ status: 'done', result: { webhook: 'healthy', repaired: false } });
    expect(sim.requests.filter((r) => r.method !== 'GET' && r.path !== '/oauth/token')).toEqual([]);
  });

  it('repairs a webhook Qlik disabled after failed deliveries, recording why before re-enabling it', async () => {
    // Prepare: deliveries to an unreachable receiver make the simulated tenant disable the webhook
    const webhook = ours()[0]!;
    const sender = new WebhookSender(sim.state);
    const unreachable = `http://127.0.0.1:${await closedPort()}/webhooks/qlik-cloud`;
    for (let i = 0; i < sender.failureThreshold; i++)
      await sender.deliver(webhook.id, reloadFinishedEvent(sim.state, { appId: 'app-1' }), { to: unreachable });
    expect(sim.state.webhooks.get(webhook.id)).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(/failed deliveries/),
    });
    // ...and the first repair attempt fails: Qlik refuses every Tier 2 call (PATCH) for ten minutes.
    sim.state.tierWindowMs = 600_000;
    sim.state.tierLimits['2'] = 0;

    // Act 1
    const failedRun = await h.runMonitor();

    // Assess 1: the reason is on the server for the admin to see
    expect(failedRun.cloud.status).toBe('failed');
    expect((await cloudView()).webhook).toEqual({
      id: webhook.id,
      enabled: false,
      disabledReason: expect.stringMatching(/consecutive failed deliveries/),
    });

    // Act 2: Qlik accepts writes again (the ten minutes have passed, and with them the client's Tier 2 pause); the
    // next scheduled run repairs it
    sim.state.tierLimits['2'] = null;
    clearRateTierPauses();
    const repairRun = await h.runMonitor();

    // Assess 2
    expect(repairRun.cloud).toMatchObject({ status: 'done', result: { webhook: 'disabled', repaired: true } });
    expect(sim.state.webhooks.get(webhook.id)).toMatchObject({ enabled: true });
    expect(sim.state.webhooks.get(webhook.id).disabledReason).toBeUndefined();
    expect((await cloudView()).webhook).toEqual({ id: webhook.id, enabled: true, disabledReason: null });
    const [repaired] = await monitorEntries();
    expect(repaired).toMatchObject({
      action: 'webhook.repaired',
      changes: [{ field: 'webhook.id', from: null, to: webhook.id }, expect.anything()],
    });
  });

  it('recreates a deleted webhook with a new secret, and the receiver accepts its deliveries', async () => {
    // Prepare
    const old = ours()[0]!;
    sim.state.webhooks.delete(old.id);

    // Act
    const report = await h.runMonitor();

    // Assess
    expect(report.cloud).toMatchObject({ status: 'done', result: { webhook: 'missing', repaired: true } });
    const recreated = ours();
    expect(recreated).toHaveLength(1);
    expect(recreated[0]!.id).not.toBe(old.id);
    const stored = (await h.secrets.readCurrent<WebhookSigningSecret>('cloud-webhook'))?.tenants?.[sim.state.tenantId];
    expect(stored?.secret).toBe(recreated[0]!.secret);
    expect(stored?.previous).toBe(old.secret);
    expect((await cloudView()).webhook).toMatchObject({ id: recreated[0]!.id, enabled: true });
    const [provisioned] = await monitorEntries();
    expect(provisioned).toMatchObject({
      action: 'webhook.provisioned',
      changes: [{ field: 'webhook.id', from: old.id, to: recreated[0]!.id }],
    });

    const sender = new WebhookSender(sim.state);
    const response = await h.deliver(
      sender.signedRequest(recreated[0]!.id, reloadFinishedEvent(sim.state, { appId: 'app-after-recreate' })),
    );
    expect(response.status).toBe(202);
  });

  it('refuses events of another tenant once the tenant is learned', async () => {
    const sender = new WebhookSender(sim.state);
    const response = await h.deliver(
      sender.signedRequest(ours()[0]!.id, reloadFinishedEvent(sim.state, { appId: 'app-1', tenantId: 'someone-else' })),
    );
    expect(response.status).toBe(403);
  });
});
