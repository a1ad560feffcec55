import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { simulatedSiteDraft } from '#test/support/server-drafts.ts';
import {
  closedPort,
  startQlikSenseSimulator,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';
import { startHandlers, type HandlerHarness } from './handler-harness.ts';

const PASSWORD = 'site-export-pw';
const CHECKS = ['Server reachable', 'Authentication', 'User exists', 'RootAdmin', 'Virtual proxy ready'];

interface TestAnswer {
  ok: boolean;
  checks: { name: string; status: string; message: string }[];
}

const draftFor = (sim: QlikSenseSimulator, overrides: Record<string, unknown> = {}) =>
  simulatedSiteDraft(sim, { password: PASSWORD }, overrides);

/** What a browser (or anyone) gets from the proxy at `<Server URL>/kpimailer/qps/user` with only a user header. */
async function askProxyWithHeader(sim: QlikSenseSimulator, header: string, user: string) {
  const dispatcher = new Agent({ connect: { ca: sim.caPem, servername: sim.machineName } });
  try {
    const response = await request(`${sim.proxy.url}/kpimailer/qps/user`, { dispatcher, headers: { [header]: user } });
    return { status: response.statusCode, setCookie: response.headers['set-cookie'], body: await response.body.json() };
  } finally {
    await dispatcher.close();
  }
}

describe('POST /api/servers/onprem/test: the kpimailer virtual proxy is a ticket proxy with a proven session', () => {
  let api: HandlerHarness;
  let sim: QlikSenseSimulator;

  beforeAll(async () => {
    api = await startHandlers({ KPIMAILER_ALLOW_LOOPBACK_QLIK: 'true' });
  });
  afterAll(() => api?.close());
  beforeEach(async () => {
    sim = await startQlikSenseSimulator();
  });
  afterEach(() => sim.close());

  const test = async (body: Record<string, unknown>) => {
    const response = await api.call('POST', '/api/servers/onprem/test', { body });
    expect(response.status).toBe(200);
    return response.json() as TestAnswer;
  };

  it('gives a fresh site a ticket proxy and proves a session through it as the service account', async () => {
    // Act
    const result = await test(draftFor(sim));

    // Assess
    expect(result.checks.map((c) => `${c.name}: ${c.status}`)).toEqual(CHECKS.map((n) => `${n}: passed`));
    expect(result.checks[4]!.message).toMatch(/^Virtual proxy 'kpimailer' created: ticket authentication/);
    expect(result.checks[4]!.message).toContain(
      `A session through ${sim.proxy.url}/kpimailer/ was opened with a ticket as INTERNAL\\sa_kpimailer.`,
    );
    expect(sim.state.virtualProxyByPrefix('kpimailer')).toMatchObject({
      authenticationMethod: 0,
      anonymousAccessMode: 0,
      headerAuthenticationHeaderName: '',
    });
    const redeemed = sim.proxy.requests.filter((r) => r.listener === 'proxy' && r.status === 200);
    expect(redeemed.at(-1)!.response).toMatchObject({ userDirectory: 'INTERNAL', userId: 'sa_kpimailer' });
    // The session proof closed its session.
    expect(sim.proxy.state.sessions.size).toBe(0);
    expect(sim.proxy.requests.at(-1)).toMatchObject({ listener: 'qps-api', method: 'DELETE', status: 200 });
  });

  it('leaves no door open: a request to /kpimailer/ with only a user header gets no session', async () => {
    await test(draftFor(sim));

    const answer = await askProxyWithHeader(sim, 'X-KPImailer-User', 'sa_kpimailer');

    expect(answer).toMatchObject({ status: 200, body: { session: 'inactive' } });
    expect(answer.setCookie).toBeUndefined();
    expect(sim.proxy.state.sessions.size).toBe(0);
  });

  it('converts a header-authentication kpimailer proxy in place, honouring modifiedDate through a 409', async () => {
    // Prepare: the proxy the earlier version of this service created, and an admin saving it at the same moment
    const legacy = sim.state.addVirtualProxy(
      {
        prefix: 'kpimailer',
        sessionCookieHeaderName: 'X-Qlik-Session-kpimailer',
        authenticationMethod: 1,
        headerAuthenticationMode: 1,
        headerAuthenticationHeaderName: 'X-KPImailer-User',
        headerAuthenticationStaticUserDirectory: 'INTERNAL',
        websocketCrossOriginWhiteList: ['127.0.0.1'],
      },
      { linkToAllProxyServices: true },
    );
    expect((await askProxyWithHeader(sim, 'X-KPImailer-User', 'sa_repository')).body).toMatchObject({
      userId: 'sa_repository',
    });
    sim.faults.concurrentEdit('virtualproxyconfig', 1);

    // Act
    const result = await test(draftFor(sim));

    // Assess
    expect(result.checks.map((c) => c.status)).toEqual(CHECKS.map(() => 'passed'));
    expect(result.checks[4]!.message).toMatch(
      /^Virtual proxy 'kpimailer' adjusted: authentication changed from header to ticket\. /,
    );
    expect(sim.state.virtualProxies.get(legacy.id)).toMatchObject({
      authenticationMethod: 0,
      headerAuthenticationMode: 0,
      headerAuthenticationHeaderName: '',
      headerAuthenticationStaticUserDirectory: '',
    });
    expect([...sim.state.virtualProxies.values()].filter((vp) => vp.prefix === 'kpimailer')).toHaveLength(1);
    expect(
      sim.requests
        .filter((r) => r.path === `/qrs/virtualproxyconfig/${legacy.id}`)
        .map((r) => `${r.method} ${r.status}`),
    ).toEqual(['GET 200', 'PUT 409', 'GET 200', 'PUT 200']);
    expect(await askProxyWithHeader(sim, 'X-KPImailer-User', 'sa_repository')).toMatchObject({
      body: { session: 'inactive' },
    });
  });

  it("waits out Qlik's delay in applying a new virtual proxy", async () => {
    // Prepare: the proxy serves a new or changed virtual proxy only 1.5 s after the repository saved it
    sim.proxy.state.applyDelayMs = 1_500;

    // Act
    const result = await test(draftFor(sim));

    // Assess
    expect(result.checks[4]).toMatchObject({
      status: 'passed',
      message: expect.stringMatching(/^Virtual proxy 'kpimailer' created: /),
    });
    const tickets = sim.proxy.requests.filter((r) => r.path === '/qps/kpimailer/ticket').map((r) => r.status);
    expect(tickets.at(-1)).toBe(201);
    expect(tickets.filter((status) => status === 404).length).toBeGreaterThanOrEqual(2);
  });

  it('fails Virtual proxy ready naming a wrong proxyApiPort, after the four earlier checks pass', async () => {
    const port = await closedPort();

    const result = await test(draftFor(sim, { proxyApiPort: port }));

    expect(result.checks.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'failed']);
    expect(result.checks[4]!.message).toMatch(
      new RegExp(`Qlik Proxy Service API \\(port ${port}, the proxyApiPort setting\\).*connection refused`),
    );
  });
});
