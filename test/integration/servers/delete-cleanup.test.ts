/**
 * `DELETE /api/servers/{id}?cleanup=true` through the real settings handler: the Qlik-side objects the service
 * provisioned go too (virtual proxy on the simulated site, reload webhook in the simulated tenant), the audit trail
 * says what was removed, and a Qlik failure deletes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDefaultCloudClientOptions } from '#lib/qlik/cloud/cloud-client.ts';
import { simulatedSiteDraft } from '#test/support/server-drafts.ts';
import { startQlikCloudSimulator, type QlikCloudSimulator } from '#test/simulators/qlik-cloud/index.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';
import { startHandlers, type HandlerHarness } from '../connection-test/handler-harness.ts';

const ADMIN = { sub: 'a1-admin', email: 'admin@example.com', token_use: 'access', client_id: 'page' };
const CLOUD_SECRET = 'm2m-secret-0123456789';

describe('DELETE ?cleanup=true through the real handlers', () => {
  let site: QlikSenseSimulator;
  let tenant: QlikCloudSimulator;
  let api: HandlerHarness;
  const ourProxies = () => [...site.state.virtualProxies.values()].filter((vp) => String(vp.prefix) === 'kpimailer');
  const linkedIds = () =>
    [...site.state.proxyServices.values()].flatMap((s) =>
      (s.settings as { virtualProxies: { id: string }[] }).virtualProxies.map((v) => v.id),
    );
  const audit = async (serverId: string) =>
    (await api.call('GET', '/api/audit', { query: { serverId }, claims: ADMIN })).json().entries as Array<{
      action: string;
      changes: unknown;
    }>;

  beforeAll(async () => {
    site = await startQlikSenseSimulator();
    tenant = await startQlikCloudSimulator({ clients: [{ clientId: 'kpimailer-m2m', clientSecret: CLOUD_SECRET }] });
    setDefaultCloudClientOptions({ ca: tenant.caPem });
    api = await startHandlers({ KPIMAILER_PUBLIC_URL: 'https://kpimailer.example.com' });
  });
  afterAll(async () => {
    await api?.close();
    await site?.close();
    await tenant?.close();
  });

  async function configureOnPrem(): Promise<string> {
    const draft = simulatedSiteDraft(site, { password: 'pw-cleanup' });
    expect((await api.call('POST', '/api/servers/onprem/test', { body: draft })).json().ok).toBe(true);
    expect((await api.call('PUT', '/api/servers/onprem', { body: draft })).status).toBe(200);
    return ourProxies()[0]!.id as string;
  }

  it('keeps the virtual proxy in Qlik without cleanup', async () => {
    const proxyId = await configureOnPrem();
    expect((await api.call('DELETE', '/api/servers/onprem', { claims: ADMIN })).status).toBe(204);
    expect(ourProxies().map((vp) => vp.id)).toEqual([proxyId]);
  });

  it('answers 502 and deletes nothing when Qlik refuses the removal', async () => {
    const proxyId = await configureOnPrem();
    site.faults.failPath({ method: 'DELETE', path: /^\/qrs\/virtualproxyconfig\//, status: 503, times: 1 });

    const response = await api.call('DELETE', '/api/servers/onprem', { query: { cleanup: 'true' }, claims: ADMIN });

    expect(response.status).toBe(502);
    expect(response.json().detail).toMatch(/Could not remove the "kpimailer" virtual proxy.*503.*nothing was deleted/);
    expect((await api.call('GET', '/api/servers/onprem')).json().configured).toBe(true);
    expect(ourProxies().map((vp) => vp.id)).toEqual([proxyId]);
  });

  it('removes the virtual proxy it provisioned and its links, and the audit says so', async () => {
    const proxyId = ourProxies()[0]!.id as string;
    expect(linkedIds()).toContain(proxyId);

    const response = await api.call('DELETE', '/api/servers/onprem', { query: { cleanup: 'true' }, claims: ADMIN });

    expect(response.status).toBe(204);
    expect(ourProxies()).toEqual([]);
    expect(linkedIds()).not.toContain(proxyId);
    expect((await api.call('GET', '/api/servers/onprem')).json().configured).toBe(false);
    const deleted = (await audit('onprem')).find((e) => e.action === 'server.deleted');
    expect(deleted?.changes).toEqual([{ field: 'qlik', from: `virtual proxy "kpimailer" (${proxyId})`, to: null }]);
  });

  it('removes the reload webhook in Qlik Cloud, and reports nothing for one already gone', async () => {
    const draft = {
      displayName: 'Tenant',
      url: tenant.url,
      oauthClientId: 'kpimailer-m2m',
      oauthClientSecret: CLOUD_SECRET,
      webIntegrationId: 'Wm8n3eiwyPmGbTKnG2d_lNhF2',
    };
    expect((await api.call('POST', '/api/servers/cloud/test', { body: draft })).json().ok).toBe(true);
    expect((await api.call('PUT', '/api/servers/cloud', { body: draft })).status).toBe(200);
    const webhookId = tenant.state.webhooks.all()[0]!.id;

    expect((await api.call('DELETE', '/api/servers/cloud', { query: { cleanup: 'true' }, claims: ADMIN })).status).toBe(
      204,
    );
    expect(tenant.state.webhooks.all()).toEqual([]);
    expect((await audit('cloud')).find((e) => e.action === 'server.deleted')?.changes).toEqual([
      { field: 'qlik', from: `reload webhook (${webhookId})`, to: null },
    ]);

    // Provisioned again, then removed by someone in Qlik before the delete.
    expect((await api.call('POST', '/api/servers/cloud/test', { body: draft })).json().ok).toBe(true);
    expect((await api.call('PUT', '/api/servers/cloud', { body: draft })).status).toBe(200);
    tenant.state.webhooks.delete(tenant.state.webhooks.all()[0]!.id);
    expect((await api.call('DELETE', '/api/servers/cloud', { query: { cleanup: 'true' }, claims: ADMIN })).status).toBe(
      204,
    );
    expect((await api.call('GET', '/api/servers/cloud')).json().configured).toBe(false);
  });
});
