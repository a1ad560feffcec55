import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testOnPremConnection } from '#lib/qlik/onprem/onprem-connection-test.ts';
import type { CheckResult } from '#lib/servers/server-record.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';

const CHECK_NAMES = ['Server reachable', 'Authentication', 'User exists', 'RootAdmin', 'Virtual proxy ready'];
const calls = (sim: QlikSenseSimulator) =>
  sim.requests.map((r) => `${r.method} ${r.path}${r.query.filter ? `?filter=${r.query.filter}` : ''}`);
const checkOf = (checks: CheckResult[], name: string) => checks.find((c) => c.name === name)!;

describe('on-premise connection test: the kpimailer virtual proxy', () => {
  let sim: QlikSenseSimulator;

  beforeEach(async () => {
    sim = await startQlikSenseSimulator();
  });
  afterEach(() => sim.close());

  it('passes all five checks on a fresh site, creating the proxy and linking it to the proxy service', async () => {
    // Act
    const { result, virtualProxy } = await testOnPremConnection(sim.connection());

    // Assess
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => [c.name, c.status])).toEqual(CHECK_NAMES.map((n) => [n, 'passed']));
    expect(checkOf(result.checks, 'Virtual proxy ready').message).toMatch(
      new RegExp(
        `^Virtual proxy 'kpimailer' created: ticket authentication.* A session through ${sim.proxy.url}/kpimailer/ was opened with a ticket as INTERNAL\\\\sa_kpimailer\\.$`,
      ),
    );
    const created = sim.state.virtualProxyByPrefix('kpimailer')!;
    expect(virtualProxy).toEqual({
      id: created.id,
      prefix: 'kpimailer',
      sessionCookieHeaderName: 'X-Qlik-Session-kpimailer',
    });
    expect(created).toMatchObject({
      sessionCookieHeaderName: 'X-Qlik-Session-kpimailer',
      authenticationMethod: 0,
      anonymousAccessMode: 0,
      headerAuthenticationHeaderName: '',
      headerAuthenticationStaticUserDirectory: '',
      loadBalancingServerNodes: [{ id: sim.state.centralNode.id }],
      websocketCrossOriginWhiteList: ['127.0.0.1'],
    });
    expect(sim.state.linksOf(created.id)).toEqual([...sim.state.proxyServices.keys()]);
    // The admin's default virtual proxy is still linked: the PUT kept the existing entries.
    expect(sim.state.linksOf(sim.state.defaultVirtualProxy.id)).toHaveLength(1);
    const service = [...sim.state.proxyServices.keys()][0];
    expect(calls(sim)).toEqual([
      'GET /qrs/about',
      "GET /qrs/user/full?filter=(userDirectory eq 'INTERNAL') and (userId eq 'sa_kpimailer')",
      'GET /qrs/servernodeconfiguration/full',
      'GET /qrs/proxyservice/full',
      "GET /qrs/virtualproxyconfig/full?filter=prefix eq 'kpimailer'",
      'POST /qrs/virtualproxyconfig',
      `PUT /qrs/proxyservice/${service}`,
    ]);
  });

  it('runs the whole test on one TLS session, naming the service account on every call', async () => {
    await testOnPremConnection(sim.connection());

    expect(sim.tls.handshakes).toBe(1);
    expect(new Set(sim.requests.map((r) => r.connection))).toEqual(new Set([1]));
    for (const request of sim.requests) {
      expect(request.headers['x-qlik-user']).toBe('UserDirectory=INTERNAL; UserId=sa_kpimailer');
      expect(request.clientCertificate).toBe('QlikClient');
      expect(request.status).toBeLessThan(300);
    }
  });

  it('reports "already correct" on a second test and creates or writes nothing', async () => {
    // Prepare
    const first = await testOnPremConnection(sim.connection());
    sim.clearRequests();

    // Act
    const second = await testOnPremConnection(sim.connection({ virtualProxy: first.virtualProxy }));

    // Assess
    expect(second.result.ok).toBe(true);
    expect(checkOf(second.result.checks, 'Virtual proxy ready').message).toMatch(
      /^Virtual proxy 'kpimailer' already correct: /,
    );
    expect(second.virtualProxy).toEqual(first.virtualProxy);
    expect(sim.state.virtualProxies.size).toBe(2);
    expect(sim.requests.every((r) => r.method === 'GET')).toBe(true);
    // The proxy services embed the linked virtual proxy with every managed field: no separate read needed.
    expect(calls(sim)).toEqual([
      'GET /qrs/about',
      "GET /qrs/user/full?filter=(userDirectory eq 'INTERNAL') and (userId eq 'sa_kpimailer')",
      'GET /qrs/servernodeconfiguration/full',
      'GET /qrs/proxyservice/full',
    ]);
  });

  it("adjusts a proxy whose anonymous access and host allow list drifted, keeping the admin's own hosts", async () => {
    // Prepare: an admin edits the proxy in the QMC
    const { virtualProxy } = await testOnPremConnection(sim.connection());
    const stored = sim.state.virtualProxies.get(virtualProxy!.id)!;
    Object.assign(stored, { anonymousAccessMode: 1, websocketCrossOriginWhiteList: ['admin.example.com'] });
    sim.state.touch(stored);
    sim.clearRequests();

    // Act
    const { result } = await testOnPremConnection(sim.connection());

    // Assess
    expect(checkOf(result.checks, 'Virtual proxy ready').message).toMatch(
      /^Virtual proxy 'kpimailer' adjusted: anonymous access turned off, Server URL host added to the host allow list\. /,
    );
    expect(sim.state.virtualProxies.get(virtualProxy!.id)).toMatchObject({
      anonymousAccessMode: 0,
      websocketCrossOriginWhiteList: ['admin.example.com', '127.0.0.1'],
    });
    expect(calls(sim).slice(4)).toEqual([
      `GET /qrs/virtualproxyconfig/${virtualProxy!.id}`,
      `PUT /qrs/virtualproxyconfig/${virtualProxy!.id}`,
    ]);
    expect(sim.state.virtualProxies.size).toBe(2);
  });

  it('re-links a proxy that was removed from a proxy service', async () => {
    const { virtualProxy } = await testOnPremConnection(sim.connection());
    const service = [...sim.state.proxyServices.values()][0]!;
    const settings = service.settings as { virtualProxies: { id: string }[] };
    settings.virtualProxies = settings.virtualProxies.filter((v) => v.id !== virtualProxy!.id);
    sim.state.touch(service);

    const { result } = await testOnPremConnection(sim.connection());

    expect(checkOf(result.checks, 'Virtual proxy ready').message).toMatch(/adjusted: linked to QLIKSERVER\. /);
    expect(sim.state.linksOf(virtualProxy!.id)).toEqual([service.id]);
  });

  it('load-balances to every engine node and links every proxy service of a multi-node site', async () => {
    // Prepare: a rim node with an engine, and a proxy-only node
    const rim = sim.state.addServerNode({ name: 'QLIKRIM1' });
    sim.state.addServerNode({ name: 'QLIKPROXY', engineEnabled: false });

    // Act
    const { result, virtualProxy } = await testOnPremConnection(sim.connection());

    // Assess
    expect(result.ok).toBe(true);
    const created = sim.state.virtualProxies.get(virtualProxy!.id)!;
    expect((created.loadBalancingServerNodes as { id: string }[]).map((n) => n.id)).toEqual([
      sim.state.centralNode.id,
      rim.id,
    ]);
    expect(sim.state.linksOf(created.id)).toHaveLength(3);
    expect(checkOf(result.checks, 'Virtual proxy ready').message).toMatch(
      /load balancing to QLIKSERVER, QLIKRIM1.*linked to 3 proxy services/,
    );
  });

  it('recovers from a 409 while linking by re-reading the proxy service and trying again', async () => {
    // Prepare: someone saves the proxy service just before our PUT
    sim.faults.concurrentEdit('proxyservice', 1);

    // Act
    const { result, virtualProxy } = await testOnPremConnection(sim.connection());

    // Assess
    expect(result.ok).toBe(true);
    const service = [...sim.state.proxyServices.keys()][0]!;
    expect(sim.requests.slice(-4).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /qrs/virtualproxyconfig 201',
      `PUT /qrs/proxyservice/${service} 409`,
      `GET /qrs/proxyservice/${service} 200`,
      `PUT /qrs/proxyservice/${service} 200`,
    ]);
    expect(sim.state.linksOf(virtualProxy!.id)).toEqual([service]);
  });

  it('gives up after three conflicts in a row and says someone is editing the proxy service', async () => {
    sim.faults.concurrentEdit('proxyservice', 3);

    const { result } = await testOnPremConnection(sim.connection());

    expect(checkOf(result.checks, 'Virtual proxy ready')).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/kept changing .*409 Conflict 3 times/),
    });
    expect(sim.requests.filter((r) => r.method === 'PUT')).toHaveLength(3);
  });

  it('recovers from a 409 while adjusting a drifted proxy', async () => {
    const { virtualProxy } = await testOnPremConnection(sim.connection());
    const stored = sim.state.virtualProxies.get(virtualProxy!.id)!;
    stored.loadBalancingServerNodes = [];
    sim.state.touch(stored);
    sim.faults.concurrentEdit('virtualproxyconfig', 1);

    const { result } = await testOnPremConnection(sim.connection());

    expect(checkOf(result.checks, 'Virtual proxy ready').message).toMatch(
      /adjusted: load balancing set to the engine nodes\. /,
    );
    expect(sim.state.virtualProxies.get(virtualProxy!.id)!.loadBalancingServerNodes).toEqual([
      { id: sim.state.centralNode.id },
    ]);
  });

  it('picks its own session cookie header name when another proxy already uses ours', async () => {
    sim.state.addVirtualProxy({ prefix: 'legacy', sessionCookieHeaderName: 'X-Qlik-Session-kpimailer' });

    const { result, virtualProxy } = await testOnPremConnection(sim.connection());

    expect(result.ok).toBe(true);
    expect(String(sim.state.virtualProxies.get(virtualProxy!.id)!.sessionCookieHeaderName)).toMatch(
      /^X-Qlik-Session-kpimailer-[0-9a-z]+$/,
    );
    expect(sim.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([400, 201]);
  });

  it("says the proxy is still being applied when Qlik's proxy does not serve it within the wait", async () => {
    // Prepare: Qlik takes a minute to apply the new virtual proxy; the check waits 1 s
    sim.proxy.state.applyDelayMs = 60_000;

    // Act
    const { result } = await testOnPremConnection(sim.connection(), { applyWaitMs: 1_000 });

    // Assess
    expect(result.checks.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'failed']);
    expect(checkOf(result.checks, 'Virtual proxy ready').message).toMatch(
      /^Virtual proxy 'kpimailer' created; Qlik's proxy is still applying it, test again in a minute\. \(.*does not serve the virtual proxy 'kpimailer' \(HTTP 404\)/,
    );
    expect(sim.state.virtualProxyByPrefix('kpimailer')).toBeDefined();
  });

  it('reports progress after every check', async () => {
    const snapshots: CheckResult[][] = [];

    await testOnPremConnection(sim.connection(), { onProgress: (checks) => snapshots.push(checks) });

    expect(snapshots).toHaveLength(5);
    expect(snapshots[0]!.map((c) => c.status)).toEqual(['passed', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(snapshots[4]!.every((c) => c.status === 'passed')).toBe(true);
  });
});
