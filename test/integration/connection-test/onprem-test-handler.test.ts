import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedSiteDraft } from '#test/support/server-drafts.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';
import { startHandlers, type HandlerHarness } from './handler-harness.ts';

const PASSWORD = 'site-export-pw';

describe('POST /api/servers/onprem/test through the real handler', () => {
  let sim: QlikSenseSimulator;
  let api: HandlerHarness;
  let draft: Record<string, unknown>;

  beforeAll(async () => {
    sim = await startQlikSenseSimulator();
    api = await startHandlers();
    draft = simulatedSiteDraft(sim, { password: PASSWORD, variant: 'legacy' });
  });
  afterAll(async () => {
    await api?.close();
    await sim?.close();
  });

  it('passes all five checks on an unsaved draft with a legacy .pfx, creates the proxy, and saves nothing but provisioning', async () => {
    // Act
    const response = await api.call('POST', '/api/servers/onprem/test', { body: draft });

    // Assess
    expect(response.status).toBe(200);
    const result = response.json();
    expect(result.checks.map((c: { name: string; status: string }) => `${c.name}: ${c.status}`)).toEqual([
      'Server reachable: passed',
      'Authentication: passed',
      'User exists: passed',
      'RootAdmin: passed',
      'Virtual proxy ready: passed',
    ]);
    expect(result.checks[4].message).toMatch(/created/i);
    const view = (await api.call('GET', '/api/servers/onprem')).json();
    expect(view).toMatchObject({ configured: false, lastTest: null, virtualProxy: { prefix: 'kpimailer' } });
  });

  it('adopts the result of a test as lastTest when the same configuration is saved, and reports the proxy already correct', async () => {
    // Prepare
    const tested = (await api.call('POST', '/api/servers/onprem/test', { body: draft })).json();

    // Act
    const saved = await api.call('PUT', '/api/servers/onprem', {
      body: { ...draft, displayName: 'Renamed before saving' },
    });

    // Assess
    expect(tested.checks[4].message).toMatch(/already correct/i);
    expect(saved.status).toBe(200);
    expect(saved.json().lastTest).toMatchObject({ ok: true, checks: tested.checks });
    expect([...sim.state.virtualProxies.values()].filter((vp) => String(vp.prefix) === 'kpimailer')).toHaveLength(1);
  });

  it('tests the saved configuration when the body is empty, and names the check that failed', async () => {
    // Prepare: the service account loses its role on the Qlik side
    const serviceAccount = sim.state.findUser('INTERNAL', 'sa_kpimailer')!;
    serviceAccount.roles = [];

    // Act
    const response = await api.call('POST', '/api/servers/onprem/test', { body: {} });

    // Assess
    const result = response.json();
    expect(response.status).toBe(200);
    expect(result.ok).toBe(false);
    expect(result.checks[3]).toMatchObject({
      name: 'RootAdmin',
      status: 'failed',
      message: expect.stringContaining('RootAdmin'),
    });
    expect(result.checks[4]).toMatchObject({ status: 'skipped' });
    expect((await api.call('GET', '/api/servers/onprem')).json().lastTest).toMatchObject({ ok: false });
  });

  it('answers 400 naming the field for a draft whose certificate password is wrong, without calling Qlik', async () => {
    sim.clearRequests();

    const response = await api.call('POST', '/api/servers/onprem/test', {
      body: { ...draft, certificatePassword: 'wrong-password' },
    });

    expect(response.status).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'certificatePassword' })]);
    expect(sim.requests).toHaveLength(0);
  });

  it('fits the ladder into the time the invocation has left, not a fixed 25 s', async () => {
    // Prepare: every QRS answer takes 1.5 s, so the five checks need far more than the 3 s left after the reserve.
    sim.faults.latencyMs = 1_500;

    try {
      // Act
      const response = await api.call('POST', '/api/servers/onprem/test', { body: draft, remainingMs: 5_000 });

      // Assess
      const result = response.json();
      expect(response.status).toBe(200);
      expect(result.ok).toBe(false);
      const failed = result.checks.find((c: { status: string }) => c.status === 'failed');
      const [, seconds] = /did not finish within ([\d.]+) s/.exec(failed.message) ?? [];
      expect(Number(seconds)).toBeGreaterThan(0);
      expect(Number(seconds)).toBeLessThanOrEqual(3);
    } finally {
      sim.faults.latencyMs = 0;
    }
  });
});
