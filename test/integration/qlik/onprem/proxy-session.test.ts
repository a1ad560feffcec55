import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { openProxySession, ProxySessionError } from '#lib/qlik/onprem/proxy-session.ts';
import { createTestPki } from '#test/support/certificates.ts';
import {
  closedPort,
  startQlikSenseSimulator,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';

/** A ticket proxy as the connection test provisions it, linked to the central node's proxy service. */
function seedTicketProxy(sim: QlikSenseSimulator, init: Record<string, unknown> = {}) {
  return sim.state.addVirtualProxy(
    { prefix: 'kpimailer', sessionCookieHeaderName: 'X-Qlik-Session-kpimailer', authenticationMethod: 0, ...init },
    { linkToAllProxyServices: true },
  );
}

/** A plain HTTPS GET to the proxy, trusting the site's CA and checking the machine name. */
async function getThroughProxy(sim: QlikSenseSimulator, path: string, headers: Record<string, string> = {}) {
  const dispatcher = new Agent({ connect: { ca: sim.caPem, servername: sim.machineName } });
  try {
    const response = await request(`${sim.proxy.url}${path}`, { dispatcher, headers });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      setCookie: response.headers['set-cookie'],
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined,
    };
  } finally {
    await dispatcher.close();
  }
}

describe('sessions through the kpimailer virtual proxy', () => {
  let sim: QlikSenseSimulator;

  beforeEach(async () => {
    sim = await startQlikSenseSimulator();
  });
  afterEach(() => sim.close());

  it('gets a ticket with the client certificate, redeems it once, proves the service account and closes the session', async () => {
    // Prepare
    seedTicketProxy(sim);

    // Act
    const session = await openProxySession(sim.connection());
    const held = [...sim.proxy.state.sessions.values()];
    await session.close();

    // Assess
    expect(session.user).toEqual({ userDirectory: 'INTERNAL', userId: 'sa_kpimailer' });
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ userDirectory: 'INTERNAL', userId: 'sa_kpimailer', origin: 'ticket' });
    expect(session.cookieHeader).toBe(`X-Qlik-Session-kpimailer=${held[0]!.sessionId}`);
    expect(sim.proxy.state.sessions.size).toBe(0);
    const described = sim.proxy.requests.map(
      (r) => `${r.listener} ${r.method} ${r.path} ${JSON.stringify(r.query)} ${r.status}`,
    );
    // The proxy connection is opened (unauthenticated, no session) while the ticket is requested: either may land first.
    expect(described.slice(0, 2).sort()).toEqual([
      'proxy GET /kpimailer/qps/user {} 200',
      'qps-api POST /qps/kpimailer/ticket {} 201',
    ]);
    expect(described.slice(2)).toEqual([
      'proxy GET /kpimailer/qps/user {"qlikTicket":"<ticket>"} 302',
      'proxy GET /kpimailer/qps/user {} 200',
      `qps-api DELETE /qps/kpimailer/session/${held[0]!.sessionId} {} 200`,
    ]);
    const ticket = sim.proxy.requests.find((r) => r.listener === 'qps-api')!;
    const [redeem, prove] = sim.proxy.requests.slice(2);
    expect(ticket!.clientCertificate).toBe('QlikClient');
    expect(ticket!.body).toEqual({ UserDirectory: 'INTERNAL', UserId: 'sa_kpimailer' });
    expect(redeem!.headers.cookie).toBeUndefined();
    // The proxy gets no client certificate: it authenticates by ticket only.
    expect(redeem!.clientCertificate).toBeNull();
    expect(prove!.headers.cookie).toBe(session.cookieHeader);
  });

  it('gives the Engine WebSocket URL through the proxy and the headers and TLS trust it needs', async () => {
    seedTicketProxy(sim);

    const session = await openProxySession(sim.connection());
    try {
      expect(session.engineUrl('3a6c7f2e-1b2c-4d5e-8f90-123456789abc')).toBe(
        `${sim.proxy.url.replace('https:', 'wss:')}/kpimailer/app/3a6c7f2e-1b2c-4d5e-8f90-123456789abc`,
      );
      const options = session.webSocketOptions();
      expect(options.headers).toEqual({ Cookie: session.cookieHeader, Origin: sim.proxy.url });
      expect(options).toMatchObject({ ca: [sim.caPem], servername: 'QLIKSERVER', rejectUnauthorized: true });
    } finally {
      await session.close();
    }
  });

  it('spends a ticket once: a second redemption opens no session', async () => {
    seedTicketProxy(sim);
    const vp = sim.proxy.state.served('kpimailer')!;
    const { ticket } = sim.proxy.state.issueTicket(vp, 'INTERNAL', 'sa_kpimailer');

    const first = await getThroughProxy(sim, `/kpimailer/qps/user?qlikTicket=${ticket}`);
    const second = await getThroughProxy(sim, `/kpimailer/qps/user?qlikTicket=${ticket}`);

    expect(first.status).toBe(302);
    expect(second).toMatchObject({ status: 200, body: { session: 'inactive' } });
  });

  it('honours a ticket only within its minute and only on the virtual proxy it was issued for', async () => {
    seedTicketProxy(sim);
    const other = sim.state.addVirtualProxy(
      { prefix: 'other', sessionCookieHeaderName: 'X-Qlik-Session-other', authenticationMethod: 0 },
      { linkToAllProxyServices: true },
    );
    const state = sim.proxy.state;
    const expired = state.issueTicket(state.served('kpimailer')!, 'INTERNAL', 'sa_kpimailer');
    expired.expiresAt = Date.now() - 1;
    const elsewhere = state.issueTicket(state.served('other')!, 'INTERNAL', 'sa_kpimailer');

    const late = await getThroughProxy(sim, `/kpimailer/qps/user?qlikTicket=${expired.ticket}`);
    const wrongDoor = await getThroughProxy(sim, `/kpimailer/qps/user?qlikTicket=${elsewhere.ticket}`);

    expect(late.body).toEqual({ session: 'inactive' });
    expect(wrongDoor.body).toEqual({ session: 'inactive' });
    expect(other.id).toBeTruthy();
  });

  it("answers the Proxy Service API only with the xrfkey rule and this site's client certificate", async () => {
    seedTicketProxy(sim);
    const { tls } = sim.connection();
    const post = async (connect: Record<string, unknown>, query: string, headers: Record<string, string>) => {
      const dispatcher = new Agent({ connect: { ca: sim.caPem, servername: sim.machineName, ...connect } });
      try {
        const response = await request(`https://127.0.0.1:${sim.proxy.apiPort}/qps/kpimailer/ticket${query}`, {
          method: 'POST',
          dispatcher,
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ UserDirectory: 'INTERNAL', UserId: 'sa_kpimailer' }),
        });
        return { status: response.statusCode, body: await response.body.text() };
      } finally {
        await dispatcher.close();
      }
    };
    const key = 'abcdefghijklmnop';
    const client = { cert: tls.certPem, key: tls.keyPem };

    expect(await post(client, '', {})).toMatchObject({ status: 403, body: expect.stringMatching(/XSRF/) });
    expect(await post(client, `?xrfkey=${key}`, { 'X-Qlik-Xrfkey': 'ponmlkjihgfedcba' })).toMatchObject({
      status: 403,
    });
    expect(await post({}, `?xrfkey=${key}`, { 'X-Qlik-Xrfkey': key })).toMatchObject({
      status: 403,
      body: 'Forbidden',
    });
    expect((await post(client, `?xrfkey=${key}`, { 'X-Qlik-Xrfkey': key })).status).toBe(201);
    expect(
      await post(client, `?xrfkey=${key}`, { 'X-Qlik-Xrfkey': key }).then((r) => JSON.parse(r.body)),
    ).toMatchObject({ UserDirectory: 'INTERNAL', UserId: 'sa_kpimailer', Ticket: expect.any(String) });
  });

  it('gives no session to a request that only names a user in a header', async () => {
    seedTicketProxy(sim);

    const answer = await getThroughProxy(sim, '/kpimailer/qps/user', { 'X-KPImailer-User': 'sa_kpimailer' });

    expect(answer).toMatchObject({ status: 200, body: { session: 'inactive' } });
    expect(answer.setCookie).toBeUndefined();
    expect(sim.proxy.state.sessions.size).toBe(0);
  });

  it('simulates the hole ticket authentication closes: a header proxy lets anyone in as anyone', async () => {
    sim.state.addVirtualProxy(
      {
        prefix: 'kpimailer',
        sessionCookieHeaderName: 'X-Qlik-Session-kpimailer',
        authenticationMethod: 1,
        headerAuthenticationMode: 1,
        headerAuthenticationHeaderName: 'X-KPImailer-User',
        headerAuthenticationStaticUserDirectory: 'INTERNAL',
      },
      { linkToAllProxyServices: true },
    );

    const answer = await getThroughProxy(sim, '/kpimailer/qps/user', { 'X-KPImailer-User': 'sa_repository' });

    expect(answer.body).toMatchObject({ userDirectory: 'INTERNAL', userId: 'sa_repository' });
  });

  it('names the port and the proxyApiPort setting when the Proxy Service API cannot be reached', async () => {
    seedTicketProxy(sim);
    const port = await closedPort();

    const failure = await openProxySession(sim.connection({ proxyApiPort: port })).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ProxySessionError);
    expect(failure).toMatchObject({ problem: 'proxy-api-unreachable' });
    expect((failure as Error).message).toMatch(
      new RegExp(`port ${port}, the proxyApiPort setting.*connection refused.*Qlik's default is 4243`),
    );
  });

  it('says the Proxy Service API refused the certificate when it is not from this site', async () => {
    seedTicketProxy(sim);
    const otherSite = createTestPki({ machineName: 'OTHERSITE' });
    const foreign = sim.connection({
      tls: { ...sim.connection().tls, certPem: otherSite.client.certPem, keyPem: otherSite.client.keyPem },
    });

    const failure = await openProxySession(foreign).catch((error: unknown) => error);

    expect(failure).toMatchObject({ problem: 'certificate-refused' });
    expect((failure as Error).message).toMatch(/refused a ticket for INTERNAL\\sa_kpimailer \(HTTP 403\)/);
  });

  it('refuses a ticket for a virtual proxy the proxy service does not serve', async () => {
    const failure = await openProxySession(sim.connection()).catch((error: unknown) => error);

    expect(failure).toMatchObject({ problem: 'virtual-proxy-unknown', mayBeApplying: true });
    expect(sim.proxy.requests.filter((r) => r.listener === 'qps-api').map((r) => r.status)).toEqual([404]);
  });

  it('fails when the session belongs to someone else than the service account', async () => {
    seedTicketProxy(sim);
    // A Proxy Service API that issues tickets for another user (e.g. a session module rewriting identities).
    const issue = sim.proxy.state.issueTicket.bind(sim.proxy.state);
    sim.proxy.state.issueTicket = (vp) => issue(vp, 'INTERNAL', 'sa_repository');

    const failure = await openProxySession(sim.connection()).catch((error: unknown) => error);

    expect(failure).toMatchObject({ problem: 'wrong-user' });
    expect((failure as Error).message).toMatch(/with a ticket for INTERNAL\\sa_kpimailer belongs to another user/);
    expect((failure as Error).message).not.toMatch(/sa_repository/);
  });
});
