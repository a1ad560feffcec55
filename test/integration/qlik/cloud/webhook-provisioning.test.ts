import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RELOAD_EVENT_TYPE, RELOAD_WEBHOOK_NAME } from '#lib/qlik/cloud/webhook-subscription.ts';
import { TEST_WEBHOOK_URL } from '#test/simulators/qlik-cloud/index.ts';
import {
  calls,
  closeAll,
  resetContainer,
  startTenant,
  type Tenant,
} from '#test/integration/qlik/cloud/cloud-tenant.ts';

describe('reload webhook provisioning during a Qlik Cloud connection test', () => {
  let tenant: Tenant;

  beforeEach(async () => {
    resetContainer();
    tenant = await startTenant();
  });
  afterEach(async () => tenant.close());
  afterAll(closeAll);

  it('passes both checks and creates the webhook on the first test', async () => {
    // Act
    const { result, webhook, warnings } = await tenant.run();

    // Assess
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => [c.name, c.status])).toEqual([
      ['Server reachable', 'passed'],
      ['Authentication', 'passed'],
    ]);
    expect(result.checks[1]!.message).toMatch(/Signed in as .+\. Reload webhook created \(ID .+\)\./);
    const all = tenant.sim.state.webhooks.all();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      name: RELOAD_WEBHOOK_NAME,
      url: TEST_WEBHOOK_URL,
      level: 'tenant',
      enabled: true,
      eventTypes: [RELOAD_EVENT_TYPE],
      secret: tenant.port.current,
    });
    expect(tenant.port.current).toMatch(/^.{32,64}$/);
    expect(webhook).toEqual({ id: all[0]!.id, enabled: true, disabledReason: null, url: TEST_WEBHOOK_URL });
    expect(warnings).toEqual([]);
  });

  it('reuses the webhook on a second test without writing anything', async () => {
    // Prepare
    const first = await tenant.run();
    const { saves, lockAcquisitions } = tenant.port;
    tenant.sim.requests.length = 0;

    // Act
    const second = await tenant.run({ webhook: first.webhook });

    // Assess
    expect(second.result.checks[1]!.message).toContain(`Reload webhook reused (ID ${first.webhook!.id}).`);
    expect(calls(tenant.sim).filter((c) => !c.startsWith('GET '))).toEqual([]);
    expect(tenant.port.saves).toBe(saves);
    expect(tenant.port.lockAcquisitions).toBe(lockAcquisitions);
    expect(tenant.sim.state.webhooks.all()).toHaveLength(1);
  });

  it('leaves exactly one webhook after ten tests in a row', async () => {
    for (let i = 0; i < 10; i++) {
      const { result } = await tenant.run();
      expect(result.ok).toBe(true);
    }
    expect(tenant.sim.state.webhooks.all()).toHaveLength(1);
  });

  it('leaves exactly one webhook after ten concurrent tests', async () => {
    // Act
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => tenant.run()));

    // Assess
    expect(outcomes.every((o) => o.result.ok)).toBe(true);
    expect(tenant.sim.state.webhooks.all()).toHaveLength(1);
    const messages = outcomes.map((o) => o.result.checks[1]!.message);
    expect(messages.filter((m) => m.includes('created'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('reused'))).toHaveLength(9);
    // Ten tests in one container share one token request.
    expect(tenant.sim.state.tokenRequests).toBe(1);
  });

  it('repairs a webhook that Qlik disabled and says why it was disabled', async () => {
    // Prepare
    const first = await tenant.run();
    tenant.sim.state.webhooks.disable(first.webhook!.id, 'Too many failed deliveries');

    // Act
    const { result, warnings } = await tenant.run({ webhook: first.webhook });

    // Assess
    expect(result.ok).toBe(true);
    expect(result.checks[1]!.message).toContain('Reload webhook repaired');
    expect(result.checks[1]!.message).toContain('re-enabled (Qlik had disabled it: Too many failed deliveries)');
    expect(warnings.join(' ')).toContain(TEST_WEBHOOK_URL);
    const [hook] = tenant.sim.state.webhooks.all();
    expect(hook).toMatchObject({ enabled: true });
    expect(hook!.disabledReason).toBeUndefined();
  });

  it('repairs drifted event types and URL with one JSON Patch on the webhook it stored', async () => {
    // Prepare
    const first = await tenant.run();
    const id = first.webhook!.id;
    const actor = { userId: 'someone', tenantAdmin: true };
    tenant.sim.state.webhooks.patch(
      id,
      [
        { op: 'replace', path: '/eventTypes', value: ['com.qlik.v1.app.reload.finished', RELOAD_EVENT_TYPE] },
        { op: 'replace', path: '/url', value: 'https://old.example.com/hook' },
      ],
      actor,
    );
    tenant.sim.requests.length = 0;

    // Act
    const { result } = await tenant.run({ webhook: first.webhook });

    // Assess
    expect(result.checks[1]!.message).toMatch(
      /event types set to com\.qlik\.v1\.reload\.finished, URL set to https:\/\/kpimailer/,
    );
    expect(calls(tenant.sim).filter((c) => c.startsWith('PATCH'))).toEqual([`PATCH /api/v1/webhooks/${id}`]);
    expect(tenant.sim.state.webhooks.all()).toEqual([
      expect.objectContaining({ id, url: TEST_WEBHOOK_URL, eventTypes: [RELOAD_EVENT_TYPE] }),
    ]);
  });

  it('sets a new signing secret on a webhook whose secret this deployment does not hold', async () => {
    // Prepare: someone created the webhook by hand; Qlik never returns its secret.
    tenant.sim.state.webhooks.seed({ name: 'kpimailer', url: TEST_WEBHOOK_URL, secret: 'x'.repeat(40) });

    // Act
    const { result } = await tenant.run();

    // Assess
    expect(result.checks[1]!.message).toContain('new signing secret set');
    const [hook] = tenant.sim.state.webhooks.all();
    expect(hook!.secret).toBe(tenant.port.current);
  });

  it('removes duplicates and keeps the oldest webhook', async () => {
    // Prepare
    const oldest = tenant.sim.state.webhooks.seed({
      name: 'kpimailer',
      url: TEST_WEBHOOK_URL,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    tenant.sim.state.webhooks.seed({ name: 'kpimailer', url: TEST_WEBHOOK_URL, createdAt: '2026-02-01T00:00:00.000Z' });
    tenant.sim.state.webhooks.seed({
      name: 'kpimailer-staging',
      url: 'https://staging.example.com/webhooks/qlik-cloud',
    });

    // Act
    const { result, webhook } = await tenant.run();

    // Assess
    expect(result.checks[1]!.message).toContain('1 duplicate removed');
    expect(webhook!.id).toBe(oldest.id);
    expect(
      tenant.sim.state.webhooks
        .all()
        .map((w) => w.name)
        .sort(),
    ).toEqual(['kpimailer', 'kpimailer-staging']);
  });

  it('replaces a user-level webhook with a tenant-level one', async () => {
    // Prepare
    const userLevel = tenant.sim.state.webhooks.seed({ name: 'kpimailer', url: TEST_WEBHOOK_URL, level: 'user' });

    // Act
    const { result, webhook } = await tenant.run();

    // Assess
    expect(result.checks[1]!.message).toContain('replaced by a tenant-level webhook');
    expect(webhook!.id).not.toBe(userLevel.id);
    expect(tenant.sim.state.webhooks.all()).toEqual([expect.objectContaining({ id: webhook!.id, level: 'tenant' })]);
  });

  it('passes Authentication but warns, creating nothing, when this deployment has no https webhook URL (a local run)', async () => {
    // Prepare
    tenant.port.targetUrl = 'http://localhost:3000/webhooks/qlik-cloud';

    // Act
    const { result, webhook, warnings } = await tenant.run();

    // Assess
    expect(result.ok).toBe(true);
    expect(result.checks[1]!.message).toContain('Reload webhook not set up');
    expect(warnings).toEqual([expect.stringContaining('Qlik Cloud only posts to https URLs')]);
    expect(webhook).toBeNull();
    expect(tenant.sim.state.webhooks.all()).toHaveLength(0);
  });
});
