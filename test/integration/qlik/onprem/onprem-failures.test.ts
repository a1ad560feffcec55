import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { testOnPremConnection, UNVERIFIED_NOTE } from '#lib/qlik/onprem/onprem-connection-test.ts';
import type { TestResult } from '#lib/servers/server-record.ts';
import { createTestPki, type TestPki } from '#test/support/certificates.ts';
import {
  closedPort,
  startQlikSenseSimulator,
  startSilentServer,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';

/** The check that failed, after asserting the ones before passed and the ones after were skipped. */
function failedCheck(result: TestResult, name: string) {
  const index = result.checks.findIndex((c) => c.name === name);
  expect(result.ok).toBe(false);
  expect(result.checks.slice(0, index).map((c) => c.status)).toEqual(Array(index).fill('passed'));
  expect(result.checks[index]!.status).toBe('failed');
  expect(result.checks.slice(index + 1).map((c) => c.status)).toEqual(
    Array(result.checks.length - index - 1).fill('skipped'),
  );
  return result.checks[index]!;
}

describe('on-premise connection test: failures an admin can act on', () => {
  let sim: QlikSenseSimulator;
  // Another Qlik site: its CA signs neither the simulator's server certificate nor trusts our client certificate.
  let otherSite: TestPki;
  const run = (overrides: Partial<OnPremConnection> = {}) =>
    testOnPremConnection(sim.connection(overrides), { client: { connectTimeoutMs: 1_000 } });
  const withTls = (tls: Partial<OnPremConnection['tls']>) => ({ tls: { ...sim.connection().tls, ...tls } });

  beforeAll(async () => {
    otherSite = createTestPki({ machineName: 'OTHERSITE' });
    sim = await startQlikSenseSimulator();
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.faults.reset();
    sim.clearRequests();
  });

  describe('Server reachable', () => {
    it('says the port refused the connection and which port to check', async () => {
      const { result } = await run({ repositoryPort: await closedPort() });

      expect(failedCheck(result, 'Server reachable').message).toMatch(
        /refused the connection: nothing accepts connections on port \d+.*Repository port \(default 4242\)/,
      );
    });

    it('says the connection timed out when nothing answers on the port', async () => {
      const silent = await startSilentServer();
      try {
        const started = Date.now();
        const { result } = await run({ repositoryPort: silent.port });

        expect(failedCheck(result, 'Server reachable').message).toMatch(
          /No connection to 127\.0\.0\.1:\d+ within 1 s \(TCP\/TLS timed out\)\. A firewall may be dropping traffic/,
        );
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await silent.close();
      }
    });

    it('says the host name does not resolve', async () => {
      const { result } = await run({ url: 'https://qlik-sense.invalid' });

      expect(failedCheck(result, 'Server reachable').message).toMatch(
        /The host name qlik-sense\.invalid could not be resolved \(DNS/,
      );
    });

    it("refuses a server certificate from a CA it was not given, naming the certificate's names and the fix", async () => {
      const { result } = await run(withTls({ caPems: [otherSite.ca.certPem] }));

      const message = failedCheck(result, 'Server reachable').message;
      expect(message).toContain('issued to QLIKSERVER by QLIKSERVER-CA');
      expect(message).toMatch(
        /not signed by a CA in the uploaded certificate bundle or root certificate \(SELF_SIGNED_CERT_IN_CHAIN\)/,
      );
      expect(message).toMatch(/Upload this Qlik site's root certificate.*allowUntrustedServerCertificate/);
      expect(sim.requests).toHaveLength(0);
    });

    it('accepts that certificate only with allowUntrustedServerCertificate, and says so on every line', async () => {
      const { result } = await run({
        ...withTls({ caPems: [otherSite.ca.certPem] }),
        allowUntrustedServerCertificate: true,
        certificateHostName: null,
      });

      expect(result.ok).toBe(true);
      for (const check of result.checks) expect(check.message.endsWith(UNVERIFIED_NOTE)).toBe(true);
      expect(result.checks[0]!.message).toMatch(
        /the server certificate is issued to QLIKSERVER by QLIKSERVER-CA\. Server certificate not verified \(allowUntrustedServerCertificate is on\)$/,
      );
    });

    it('says so on a failing line too when allowUntrustedServerCertificate is on', async () => {
      const { result } = await run({ allowUntrustedServerCertificate: true, serviceAccountUser: 'nobody' });

      expect(failedCheck(result, 'User exists').message.endsWith(UNVERIFIED_NOTE)).toBe(true);
      expect(result.checks.every((c) => c.message.endsWith(UNVERIFIED_NOTE))).toBe(true);
    });
  });

  describe('host names', () => {
    it('without Certificate host name, lists the names the certificate carries and suggests setting it', async () => {
      const { result } = await run({ certificateHostName: null });

      expect(failedCheck(result, 'Server reachable').message).toBe(
        `The server certificate of 127.0.0.1:${sim.port} is issued to QLIKSERVER, not to 127.0.0.1 (the Server URL's host). Qlik issues this certificate to the machine name the node was installed with: set Certificate host name to one of: QLIKSERVER.`,
      );
    });

    it('with a wrong Certificate host name, says to change it and lists the right names', async () => {
      const { result } = await run({ certificateHostName: 'QLIK01' });

      expect(failedCheck(result, 'Server reachable').message).toMatch(
        /not to QLIK01 \(the Certificate host name setting\)\. Change Certificate host name to one of: QLIKSERVER\.$/,
      );
    });

    it('with the machine name as Certificate host name, verifies the full chain against a DNS-named URL', async () => {
      // localhost is a DNS name: undici would otherwise send and check it instead of the machine name.
      const { result } = await run({ url: `https://localhost:${sim.proxy.port}`, certificateHostName: 'QLIKSERVER' });

      expect(result.ok).toBe(true);
      expect(result.checks[0]!.message).toMatch(/is trusted and valid for QLIKSERVER\.$/);
    });

    it('without Certificate host name, refuses a DNS-named URL the certificate does not carry', async () => {
      const { result } = await run({ url: `https://localhost:${sim.proxy.port}`, certificateHostName: null });

      expect(failedCheck(result, 'Server reachable').message).toMatch(
        /issued to QLIKSERVER, not to localhost \(the Server URL's host\)/,
      );
    });
  });

  describe('Authentication', () => {
    it("explains a 403 for a client certificate from another site: export it from this site's QMC", async () => {
      const { result } = await run(withTls({ certPem: otherSite.client.certPem, keyPem: otherSite.client.keyPem }));

      const message = failedCheck(result, 'Authentication').message;
      expect(message).toMatch(
        /answered 403 to GET \/qrs\/about with the client certificate \(CN=QlikClient, issued by CN=OTHERSITE-CA\)/,
      );
      expect(message).toMatch(/not trusted by this Qlik Sense site/);
      expect(message).toMatch(/Export the client certificate from this site's QMC/);
    });

    it('explains a refusal at the TLS level the same way', async () => {
      const strict = await startQlikSenseSimulator({ pki: sim.pki, clientCertificateRejection: 'tls' });
      try {
        const connection = strict.connection({
          tls: { ...strict.connection().tls, certPem: otherSite.client.certPem, keyPem: otherSite.client.keyPem },
        });
        const { result } = await testOnPremConnection(connection);

        const message = failedCheck(result, 'Authentication').message;
        expect(message).toMatch(
          /refused the client certificate \(CN=QlikClient, issued by CN=OTHERSITE-CA\) at the TLS level/,
        );
        expect(message).toMatch(/Export the client certificate from this site's QMC/);
      } finally {
        await strict.close();
      }
    });

    it('reports a repository error as such', async () => {
      sim.faults.failPath({ path: '/qrs/about', status: 503, message: 'Service Unavailable' });

      const { result } = await run();

      expect(failedCheck(result, 'Authentication').message).toMatch(
        /QRS GET \/qrs\/about answered 503\. The Qlik Sense Repository Service reported an internal error/,
      );
    });
  });

  describe('User exists', () => {
    it('names the user and directory that were not found', async () => {
      const { result } = await run({ serviceAccountUser: 'sa_nobody' });

      expect(failedCheck(result, 'User exists').message).toMatch(
        /^The user sa_nobody was not found in the user directory INTERNAL on this Qlik Sense site\. No user directory has a user with that ID\./,
      );
    });

    it('points at the directory the user is really in', async () => {
      sim.state.addUser({ userDirectory: 'CORP', userId: 'svc_reports', roles: ['RootAdmin'] });

      const { result } = await run({ serviceAccountUser: 'svc_reports' });

      expect(failedCheck(result, 'User exists').message).toMatch(
        /A user with that ID exists in the user directory CORP: set User directory to it\./,
      );
    });

    it('finds users whose names need escaping in a filter', async () => {
      sim.state.addUser({ userDirectory: 'CORP', userId: "o'neil #4 & co", roles: ['RootAdmin'] });

      const { result } = await run({ userDirectory: 'CORP', serviceAccountUser: "o'neil #4 & co" });

      expect(result.ok).toBe(true);
      expect(sim.requests[1]!.query.filter).toBe("(userDirectory eq 'CORP') and (userId eq 'o\\'neil #4 & co')");
    });

    it('says when the user exists but is inactive', async () => {
      sim.state.addUser({ userDirectory: 'INTERNAL', userId: 'sa_blocked', roles: ['RootAdmin'], blacklisted: true });

      const { result } = await run({ serviceAccountUser: 'sa_blocked' });

      expect(failedCheck(result, 'User exists').message).toMatch(/exists in Qlik Sense but is blocked/);
    });

    it('reports a failing repository with the request and status', async () => {
      sim.faults.failPath({ path: '/qrs/user/full', status: 500, message: 'Internal Server Error' });

      const { result } = await run();

      expect(failedCheck(result, 'User exists').message).toBe(
        "Could not look up the user INTERNAL\\sa_kpimailer: QRS GET /qrs/user/full?filter=(userDirectory eq 'INTERNAL') and (userId eq 'sa_kpimailer') answered 500. The Qlik Sense Repository Service reported an internal error; check its logs and test again.",
      );
    });
  });

  describe('RootAdmin', () => {
    it('names the missing role, the roles the user has, and where to add it; provisions nothing', async () => {
      sim.state.addUser({ userDirectory: 'INTERNAL', userId: 'sa_content', roles: ['ContentAdmin', 'AuditAdmin'] });
      const before = sim.state.virtualProxies.size;

      const { result, virtualProxy } = await run({ serviceAccountUser: 'sa_content' });

      expect(failedCheck(result, 'RootAdmin').message).toBe(
        'INTERNAL\\sa_content does not hold the RootAdmin role (its roles: ContentAdmin, AuditAdmin). In the QMC, open Users, edit INTERNAL\\sa_content and add RootAdmin under Admin roles.',
      );
      expect(virtualProxy).toBeNull();
      expect(sim.state.virtualProxies.size).toBe(before);
    });
  });

  describe('deadline', () => {
    it('answers inside the deadline even when Qlik is slow', async () => {
      sim.faults.latencyMs = 2_000;
      const started = Date.now();

      const { result } = await testOnPremConnection(sim.connection(), { deadlineMs: 800 });

      expect(failedCheck(result, 'Server reachable').message).toMatch(/did not finish within 0\.8 s/);
      expect(Date.now() - started).toBeLessThan(2_500);
    });
  });
});
