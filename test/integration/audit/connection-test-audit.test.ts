/** Connection tests and the webhook provisioning they do, in the audit trail (real handlers, Qlik Cloud simulator). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '#lib/audit/audit-log.ts';
import { setDefaultCloudClientOptions } from '#lib/qlik/cloud/cloud-client.ts';
import { startQlikCloudSimulator, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import { startHandlers, type HandlerHarness } from '../connection-test/handler-harness.ts';

const PUBLIC_URL = 'https://kpimailer.example.com';
const ALICE = { sub: '0b5c6a1e-alice', email: 'alice@example.com', token_use: 'access', client_id: 'page' };
const SECRET = 'm2m-secret-0123456789';

describe('connection tests in the audit trail', () => {
  let sim: QlikCloudSimulator;
  let api: HandlerHarness;
  let draft: Record<string, unknown>;
  let requests = 0;
  const test = (body: Record<string, unknown>) =>
    api.call('POST', '/api/servers/cloud/test', { body, claims: ALICE, requestId: `req-${++requests}` });
  const entriesOf = async (requestId: string): Promise<AuditEntry[]> =>
    (
      (await api.call('GET', '/api/audit', { query: { serverId: 'cloud' }, claims: ALICE })).json()
        .entries as AuditEntry[]
    ).filter((e) => e.requestId === requestId);

  beforeAll(async () => {
    sim = await startQlikCloudSimulator({ clients: [{ clientId: 'kpimailer-m2m', clientSecret: SECRET }] });
    setDefaultCloudClientOptions({ ca: sim.caPem });
    api = await startHandlers({ KPIMAILER_PUBLIC_URL: PUBLIC_URL });
    draft = {
      displayName: 'Simulated tenant',
      url: sim.url,
      oauthClientId: 'kpimailer-m2m',
      oauthClientSecret: SECRET,
      webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2',
    };
  });
  afterAll(async () => {
    await api?.close();
    await sim?.close();
  });

  it('records a test with its result per check, and the webhook it created, once each', async () => {
    expect((await test(draft)).status).toBe(200);

    const entries = await entriesOf(`req-${requests}`);
    expect(entries.map((e) => e.action).sort()).toEqual(['connection.tested', 'webhook.provisioned']);
    expect(entries.find((e) => e.action === 'connection.tested')).toMatchObject({
      actor: { sub: ALICE.sub, name: ALICE.email },
      result: 'passed',
      checks: [
        { name: 'Server reachable', status: 'passed' },
        { name: 'Authentication', status: 'passed' },
      ],
    });
    const webhookId = sim.state.webhooks.all()[0]!.id;
    expect(entries.find((e) => e.action === 'webhook.provisioned')!.changes).toEqual([
      { field: 'webhook.id', from: null, to: webhookId },
    ]);
  });

  it('records a repair with what was put right, and nothing for a webhook reused as it was', async () => {
    sim.state.webhooks.all()[0]!.enabled = false;
    await test(draft);
    const repaired = await entriesOf(`req-${requests}`);
    await test(draft);
    const reused = await entriesOf(`req-${requests}`);

    expect(repaired.map((e) => e.action).sort()).toEqual(['connection.tested', 'webhook.repaired']);
    expect(repaired.find((e) => e.action === 'webhook.repaired')!.changes).toContainEqual({
      field: 'webhook',
      from: null,
      to: 're-enabled',
    });
    expect(reused.map((e) => e.action)).toEqual(['connection.tested']);
  });

  it('records a failed test with the failing check, and no secret anywhere', async () => {
    await test({ ...draft, oauthClientSecret: 'wrong-secret-value-123' });
    const [entry] = await entriesOf(`req-${requests}`);
    expect(entry).toMatchObject({
      action: 'connection.tested',
      result: 'failed',
      checks: [
        { name: 'Server reachable', status: 'passed' },
        { name: 'Authentication', status: 'failed' },
      ],
    });
    const all = JSON.stringify((await api.call('GET', '/api/audit', { claims: ALICE })).json());
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('wrong-secret-value-123');
  });
});
