/**
 * A Qlik Sense Enterprise site on loopback: the repository (QRS, port 4242) with real HTTPS and mutual TLS, a
 * server certificate issued to a machine name, and the request rules Qlik enforces before any route runs (client
 * certificate from this site's CA, matching xrfkey in query and header); and the central node's proxy service
 * (proxy-service.ts): the Proxy Service API (4243) and the proxy on the Server URL (443). Every QRS request is
 * logged with what the client sent, so tests can assert exactly which QRS calls were made.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestPki, type TestPki } from '#test/support/certificates.ts';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { SimulatorFaults, type EditableKind } from './faults.ts';
import {
  headerRecord,
  readBody,
  send,
  XSRF_MESSAGE,
  xrfkeyMatches,
  type LoggedRequest,
  type RouteResponse,
} from './http-io.ts';
import { EngineSite } from './engine-model.ts';
import { startEngineService } from './engine-service.ts';
import { startProxyService, type SimulatedProxyService } from './proxy-service.ts';
import { route } from './routes.ts';
import { checkQrsRequest, loadQrsSpec } from './spec-validator.ts';
import { QlikSenseState, DEFAULT_SERVICE_ACCOUNT, type SiteSeed } from './state.ts';

export { XSRF_MESSAGE } from './http-io.ts';

export interface SimulatorOptions extends SiteSeed {
  /** Extra names in the server certificate besides the machine name (none by default, like a real node). */
  extraServerNames?: string[];
  /** Use an existing PKI (e.g. to share a CA between tests); default: a fresh one for `machineName`. */
  pki?: TestPki;
  /**
   * How a client certificate not issued by this site's CA is refused: with HTTP 403 after the handshake (what
   * Qlik is reported to do) or with a TLS alert during the handshake.
   */
  clientCertificateRejection?: 'http-403' | 'tls';
  latencyMs?: number;
}

export interface RequestLogEntry extends LoggedRequest {
  clientCertificateTrusted: boolean;
  /** Which TLS connection carried the request (1-based, in order of handshakes). */
  connection: number;
}

export interface QlikSenseSimulator {
  /** `https://127.0.0.1:<port>`, the QRS origin. */
  url: string;
  host: string;
  port: number;
  machineName: string;
  state: QlikSenseState;
  requests: RequestLogEntry[];
  /**
   * Requests that broke the QRS spec (test/fixtures/qlik-specs), each answered 400. `close()` fails while any are
   * listed, so a test whose code sent one fails; a test that sends one on purpose empties the list.
   */
  specViolations: string[];
  faults: SimulatorFaults;
  pki: TestPki;
  /** The site's root CA, what an admin uploads as the root certificate. */
  caPem: string;
  /** The central node's proxy service: the Proxy Service API and the proxy (the Server URL). */
  proxy: SimulatedProxyService;
  /**
   * The engine behind the proxy (engine-service.ts): seed its apps, read its counters. Served by default at
   * `wss://<proxy>/<prefix>/app/<appId>` for sessions of a virtual proxy whose host allow list names the Origin.
   */
  engine: EngineSite;
  /** TLS handshakes completed ('secureConnection' events) and TCP connections accepted, on QRS. */
  tls: { handshakes: number; connections: number };
  /**
   * An OnPremConnection for this site: the proxy's URL as Server URL, the QRS and Proxy Service API ports, the
   * site's client certificate and CA, and the machine name as certificate host name; override anything.
   */
  connection(overrides?: Partial<OnPremConnection>): OnPremConnection;
  clearRequests(): void;
  close(): Promise<void>;
}

/** Starts the simulated site on 127.0.0.1 on a free port. */
export async function startQlikSenseSimulator(options: SimulatorOptions = {}): Promise<QlikSenseSimulator> {
  const machineName = options.pki?.machineName ?? options.machineName ?? 'QLIKSERVER';
  const pki = options.pki ?? createTestPki({ machineName, extraServerNames: options.extraServerNames });
  const state = new QlikSenseState({ ...options, machineName });
  const faults = new SimulatorFaults();
  faults.latencyMs = options.latencyMs ?? 0;
  const requests: RequestLogEntry[] = [];
  const specViolations: string[] = [];
  const spec = loadQrsSpec();
  const tls = { handshakes: 0, connections: 0 };
  const connectionIds = new WeakMap<object, number>();

  const server: Server = createServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.certPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: options.clientCertificateRejection === 'tls',
    },
    (req, res) => {
      void handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, { status: 500, body: `Simulator error: ${String(error)}` });
      });
    },
  );
  server.on('connection', () => (tls.connections += 1));
  server.on('secureConnection', (socket) => {
    tls.handshakes += 1;
    connectionIds.set(socket, tls.handshakes);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const url = new URL(req.url ?? '/', 'https://qrs.invalid');
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    const entry: RequestLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries([...url.searchParams].filter(([k]) => k.toLowerCase() !== 'xrfkey')),
      headers: headerRecord(req.headers),
      body: undefined,
      status: 0,
      response: undefined,
      clientCertificate: peer?.subject ? String(peer.subject.CN) : null,
      clientCertificateTrusted: socket.authorized,
      connection: connectionIds.get(socket) ?? 0,
    };
    requests.push(entry);
    const respond = (response: RouteResponse) => {
      entry.status = response.status;
      entry.response = response.body;
      send(res, response);
    };

    // Qlik trusts only client certificates its own CA issued; reports say it answers 403 rather than failing TLS.
    if (!socket.authorized) return respond({ status: 403, body: 'Forbidden' });
    if (!xrfkeyMatches(url, req.headers)) return respond({ status: 403, body: XSRF_MESSAGE });
    const inactive = userFromHeader(state, req.headers['x-qlik-user']);
    if (inactive)
      return respond({ status: 403, body: 'Forbidden: Your account is inactive. Contact your administrator.' });
    if (raw.length > 0) {
      try {
        entry.body = JSON.parse(raw);
      } catch {
        return respond({ status: 400, body: 'The request body is not valid JSON.' });
      }
    }
    const violations = spec
      ? checkQrsRequest(spec, { method: entry.method, path: url.pathname, query: entry.query, body: entry.body })
      : [];
    if (violations.length > 0) {
      specViolations.push(...violations.map((v) => `${entry.method} ${url.pathname}: ${v}`));
      return respond({ status: 400, body: `The request does not match the Repository API: ${violations.join('; ')}` });
    }
    const failure = faults.takeFailure(entry.method, url.pathname);
    if (failure) return respond({ status: failure.status, body: failure.message ?? '' });
    if (entry.method === 'PUT') simulateConcurrentEdit(url.pathname);
    respond(route(state, { method: entry.method, path: url.pathname, query: url.searchParams, body: entry.body }));
    // The proxy service learns of virtual proxy and link changes from the repository (after its apply delay).
    if (entry.method !== 'GET' && entry.status < 300 && /^\/qrs\/(proxyservice|virtualproxyconfig)/i.test(url.pathname))
      proxy.state.repositoryChanged();
  }

  function simulateConcurrentEdit(path: string): void {
    const match = /^\/qrs\/(proxyservice|virtualproxyconfig)\/([0-9a-f-]{36})$/i.exec(path);
    if (!match) return;
    const kind = match[1]!.toLowerCase() as EditableKind;
    const entity = (kind === 'proxyservice' ? state.proxyServices : state.virtualProxies).get(match[2]!);
    if (entity && faults.takeEdit(kind)) state.touch(entity);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxy = await startProxyService({ repository: state, pki, faults });
  const engine = new EngineSite();
  const engineService = startEngineService(engine);
  proxy.onEngineUpgrade = engineService.upgrade;
  proxy.state.sessionEndedListeners.push(engineService.endSession);
  const account = options.users?.[0] ?? DEFAULT_SERVICE_ACCOUNT;
  return {
    url: `https://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    machineName,
    state,
    requests,
    specViolations,
    faults,
    pki,
    caPem: pki.ca.certPem,
    proxy,
    engine,
    tls,
    connection: (overrides = {}) => ({
      url: proxy.url,
      userDirectory: account.userDirectory,
      serviceAccountUser: account.userId,
      repositoryPort: port,
      enginePort: 4747,
      proxyApiPort: proxy.apiPort,
      certificateHostName: machineName,
      allowUntrustedServerCertificate: false,
      tls: { keyPem: pki.client.keyPem, certPem: pki.client.certPem, caPems: [pki.ca.certPem] },
      virtualProxy: null,
      ...overrides,
    }),
    clearRequests: () => void requests.splice(0),
    close: async () => {
      engineService.close();
      await Promise.all([
        proxy.close(),
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
      ]);
      if (engine.protocolViolations.length > 0)
        throw new Error(
          `The service sent Engine API requests the simulator refused:\n  ${engine.protocolViolations.join('\n  ')}`,
        );
      if (specViolations.length > 0)
        throw new Error(`The service sent requests the QRS spec does not allow:\n  ${specViolations.join('\n  ')}`);
    },
  };
}

/** The user named by `X-Qlik-User` when it exists and is inactive (Qlik then refuses every call). */
function userFromHeader(state: QlikSenseState, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const parts = Object.fromEntries(
    header.split(';').map((part) => {
      const [key, ...value] = part.split('=');
      return [key!.trim().toLowerCase(), decodeURIComponent(value.join('=').trim())];
    }),
  );
  const user = parts.userdirectory && parts.userid ? state.findUser(parts.userdirectory, parts.userid) : undefined;
  return Boolean(user?.inactive);
}
