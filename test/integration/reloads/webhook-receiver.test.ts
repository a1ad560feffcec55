import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { metricCount } from '#lib/reloads/metrics.ts';
import { QlikCloudState } from '#test/simulators/qlik-cloud/index.ts';
import {
  appReloadFinishedEvent,
  otherEvent,
  reloadFinishedEvent,
  DOCUMENTED_EVENT_DATA_FIELDS,
  signBody,
  WebhookSender,
  type SignedRequest,
} from '#test/simulators/qlik-cloud/webhook-delivery.ts';
import {
  PUBLIC_WEBHOOK_URL,
  startReloadHandlers,
  type ReloadHarness,
} from '#test/integration/reloads/reload-harness.ts';

const SECRET = 'webhook-signing-secret-0123456789abcdefghij';
const APP = 'c3a7f1e2-5b6d-4e8f-9a0b-1c2d3e4f5a6b';

describe('POST /webhooks/qlik-cloud through the webhook-receiver handler', () => {
  let h: ReloadHarness;
  let tenant: QlikCloudState;
  let sender: WebhookSender;
  let webhookId: string;

  beforeAll(async () => {
    h = await startReloadHandlers();
    // The tenant side only: events and signatures, no HTTPS server needed.
    tenant = new QlikCloudState();
    webhookId = tenant.webhooks.seed({ name: 'kpimailer', url: PUBLIC_WEBHOOK_URL, secret: SECRET }).id;
    sender = new WebhookSender(tenant);
    await h.saveSigningSecret(SECRET, tenant.tenantId);
    await h.servers.updateState('cloud', { tenant: { id: tenant.tenantId, url: 'https://tenant.example.com' } });
    await h.seedApp('cloud', APP, 'Sales dashboard');
  });
  afterAll(async () => h?.close());

  let before: { items: number; published: number };
  beforeEach(async () => {
    before = { items: (await h.eventItems()).length, published: (await h.published('cloud')).length };
  });
  /** Nothing was written: no ledger claim, no history record, no publish. */
  const expectNothingStored = async () => {
    expect((await h.eventItems()).length).toBe(before.items);
    expect((await h.published('cloud')).length).toBe(before.published);
  };
  const signed = (event: Record<string, unknown>): SignedRequest => sender.signedRequest(webhookId, event);

  describe('accepts signed reload events', () => {
    it('records a com.qlik.v1.reload.finished event: app, history, one publish; the finish time is the envelope time', async () => {
      // Prepare: as Qlik documents it, the event's data has no end time; the envelope's `time` is when it finished.
      // Recent: events older than the deduplication window are refused as stale.
      const finishedAt = new Date(Date.now() - 60_000).toISOString();
      const event = reloadFinishedEvent(tenant, {
        appId: APP,
        status: 'FAILED',
        errorMessage: 'Table X not found',
        endTime: finishedAt,
      });
      expect(
        Object.keys(event.data as object).filter(
          (key) => !DOCUMENTED_EVENT_DATA_FIELDS['com.qlik.v1.reload.finished']!.includes(key),
        ),
      ).toEqual([]);
      expect(event.time).toBe(finishedAt);

      // Act
      const response = await h.deliver(signed(event));

      // Assess
      expect(response.status).toBe(202);
      expect(response.json()).toEqual({ status: 'accepted' });
      expect((await h.app('cloud', APP))!.lastReload).toEqual({ at: finishedAt, status: 'failed' });
      const published = (await h.published('cloud')).filter(
        (p) => p.detail.reloadId === (event.data as { id: string }).id,
      );
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({
        detailType: 'Qlik app reload finished',
        detail: {
          serverId: 'cloud',
          appId: APP,
          appName: 'Sales dashboard',
          status: 'failed',
          source: 'webhook',
          error: 'Table X not found',
          finishedAt: finishedAt,
        },
      });
      const reloads = (await h.api('GET', '/api/servers/cloud/reloads', { limit: '5' })).json().reloads;
      expect(reloads[0]).toMatchObject({
        appId: APP,
        appName: 'Sales dashboard',
        status: 'failed',
        source: 'webhook',
        reloadId: (event.data as { id: string }).id,
      });
    });

    it.each(['cloudevents', 'legacy', 'hybrid'] as const)(
      'records a com.qlik.v1.app.reload.finished event in the %s shape',
      async (format) => {
        const event = appReloadFinishedEvent(
          tenant,
          { appId: APP, status: 'ok', reloadId: `engine-${format}`, endTime: '2026-03-01T11:00:00.000Z' },
          format,
        );
        expect(
          Object.keys(event.data as object).filter(
            (key) => !DOCUMENTED_EVENT_DATA_FIELDS['com.qlik.v1.app.reload.finished']!.includes(key),
          ),
        ).toEqual([]);
        const response = await h.deliver(signed(event));
        expect(response.status).toBe(202);
        const published = (await h.published('cloud')).filter((p) => p.detail.reloadId === `engine-${format}`);
        expect(published.map((p) => p.detail)).toEqual([
          expect.objectContaining({ appId: APP, status: 'succeeded', appName: 'Sales dashboard' }),
        ]);
      },
    );

    it('verifies the decoded bytes when the function URL hands the body over base64-encoded', async () => {
      const response = await h.deliver(signed(reloadFinishedEvent(tenant, { appId: APP })), { base64: true });
      expect(response.status).toBe(202);
    });

    it('keeps one record and one publish when Qlik delivers the same event twice, or ten times at once', async () => {
      // Prepare
      const event = reloadFinishedEvent(tenant, { appId: APP, reloadId: 'reload-twice' });
      const concurrent = reloadFinishedEvent(tenant, { appId: APP, reloadId: 'reload-burst' });

      // Act
      const first = await h.deliver(signed(event));
      const second = await h.deliver(signed(event));
      const burst = await Promise.all(Array.from({ length: 10 }, () => h.deliver(signed(concurrent))));

      // Assess
      expect([first.status, second.status]).toEqual([202, 200]);
      expect(second.json()).toEqual({ status: 'duplicate' });
      expect(burst.every((r) => r.status >= 200 && r.status < 300)).toBe(true);
      for (const reloadId of ['reload-twice', 'reload-burst']) {
        expect((await h.published('cloud')).filter((p) => p.detail.reloadId === reloadId)).toHaveLength(1);
        expect((await h.history.list('cloud', 500)).filter((r) => r.reloadId === reloadId)).toHaveLength(1);
      }
    });

    it('acknowledges and counts an event type it does not use, storing nothing', async () => {
      const counted = metricCount('WebhookUnknownEventType');
      const response = await h.deliver(signed(otherEvent(tenant, 'com.qlik.v1.app.created')));
      expect(response.status).toBe(202);
      expect(response.json()).toMatchObject({ status: 'ignored' });
      expect(metricCount('WebhookUnknownEventType')).toBe(counted + 1);
      await expectNothingStored();
    });
  });

  describe('refuses, storing nothing', () => {
    const body = () => JSON.stringify(reloadFinishedEvent(tenant, { appId: APP }));

    it.each([
      ['a forged signature', (b: string) => signBody(b, 'an-attackers-guess-at-the-secret-000000')],
      ['a truncated hex signature', (b: string) => signBody(b, SECRET).slice(0, 32)],
      ['a signature of the wrong length', (b: string) => signBody(b, SECRET) + 'ab'],
      ['a signature that is not hex', (b: string) => Buffer.from(signBody(b, SECRET), 'hex').toString('base64')],
    ])('answers 401 to %s', async (_name, signature) => {
      const b = body();
      const response = await h.deliver({
        body: b,
        headers: { 'content-type': 'application/json', 'qlik-signature': signature(b) },
      });
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      await expectNothingStored();
    });

    it('answers 401 to a missing signature', async () => {
      const response = await h.deliver({ body: body(), headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(401);
      expect(response.json().detail).toMatch(/missing/);
      await expectNothingStored();
    });

    it('answers 401 to a valid signature over a modified body', async () => {
      const original = body();
      const tampered = original.replace('"SUCCEEDED"', '"FAILED"');
      const response = await h.deliver({
        body: tampered,
        headers: { 'content-type': 'application/json', 'qlik-signature': signBody(original, SECRET) },
      });
      expect(response.status).toBe(401);
      await expectNothingStored();
    });

    it('answers 413 to a body over 1 MiB, even a signed one', async () => {
      const huge = JSON.stringify({ ...reloadFinishedEvent(tenant, { appId: APP }), padding: 'x'.repeat(1024 * 1024) });
      const response = await h.deliver({
        body: huge,
        headers: { 'content-type': 'application/json', 'qlik-signature': signBody(huge, SECRET) },
      });
      expect(response.status).toBe(413);
      await expectNothingStored();
    });

    it('answers 400 to a signed body that is not JSON, and to a signed empty body', async () => {
      for (const b of ['{"id":"x",', '']) {
        const response = await h.deliver({
          body: b,
          headers: { 'content-type': 'application/json', 'qlik-signature': signBody(b, SECRET) },
        });
        expect(response.status).toBe(400);
      }
      await expectNothingStored();
    });

    it('answers 401, not 400, to an unsigned empty body: nothing is read before the signature', async () => {
      const response = await h.deliver({ body: '', headers: {} });
      expect(response.status).toBe(401);
    });

    it('answers 400 to a signed reload event without an app id', async () => {
      const event = reloadFinishedEvent(tenant, { appId: APP });
      delete (event.data as Record<string, unknown>).appId;
      delete event.toplevelresourceid;
      const response = await h.deliver(signed(event));
      expect(response.status).toBe(400);
      expect(response.json().detail).toMatch(/appId/);
      await expectNothingStored();
    });

    it('answers 400 to a signed event older than the deduplication window (a replay the ledger has forgotten)', async () => {
      const nineDaysAgo = new Date(Date.now() - 9 * 24 * 60 * 60 * 1000).toISOString();
      const response = await h.deliver(signed(reloadFinishedEvent(tenant, { appId: APP, time: nineDaysAgo })));
      expect(response.status).toBe(400);
      expect(response.json()).toMatchObject({ title: 'Stale event', detail: expect.stringContaining('8-day') });
      await expectNothingStored();
    });

    it('answers 400 to a signed event that carries no time', async () => {
      const { time: _time, ...timeless } = reloadFinishedEvent(tenant, { appId: APP });
      const response = await h.deliver(signed(timeless));
      expect(response.status).toBe(400);
      await expectNothingStored();
    });

    it('answers 403 to a correctly signed event of another tenant', async () => {
      const response = await h.deliver(
        signed(reloadFinishedEvent(tenant, { appId: APP, tenantId: 'another-tenant-id' })),
      );
      expect(response.status).toBe(403);
      await expectNothingStored();
    });
  });

  describe('during a secret rotation', () => {
    it('accepts deliveries signed with the previous secret during the grace period', async () => {
      // Prepare: the connection test rotated the secret; Qlik may still sign with the old one for a while.
      await h.saveSigningSecret('rotated-signing-secret-abcdefghijklmnopqrstuv', tenant.tenantId);
      await h.restart();
      const event = reloadFinishedEvent(tenant, { appId: APP, reloadId: 'signed-with-previous' });

      // Act
      const old = await h.deliver(signed(event));
      tenant.webhooks.get(webhookId).secret = 'rotated-signing-secret-abcdefghijklmnopqrstuv';
      const fresh = await h.deliver(signed(reloadFinishedEvent(tenant, { appId: APP, reloadId: 'signed-with-new' })));

      // Assess
      expect([old.status, fresh.status]).toEqual([202, 202]);
    });

    it('refuses the previous secret once the grace period is over', async () => {
      // Prepare (in the single-secret shape stored before secrets were kept per tenant, which still verifies)
      const current = 'rotated-signing-secret-abcdefghijklmnopqrstuv';
      const ref = await h.secrets.stage('cloud-webhook', {
        kind: 'webhook',
        secret: current,
        previous: SECRET,
        previousUntil: new Date(Date.now() - 1000).toISOString(),
      });
      await h.secrets.promote('cloud-webhook', ref);
      await h.restart();
      tenant.webhooks.get(webhookId).secret = SECRET;

      // Act
      const response = await h.deliver(signed(reloadFinishedEvent(tenant, { appId: APP })));

      // Assess
      expect(response.status).toBe(401);
      tenant.webhooks.get(webhookId).secret = current;
    });
  });
});
