/**
 * A Qlik Sense Enterprise repository (QRS, port 4242) on loopback: real HTTPS with mutual TLS, a server
 * certificate issued to a machine name, and the request rules Qlik enforces before any route runs (client
 * certificate from this site's CA, matching xrfkey in query and header). Every request is logged with what
 * the client sent, so tests can assert exactly which QRS calls were made.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestPki, type TestPki } from '#test/support/certificates.ts';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { SimulatorFaults, type EditableKind } from './faults.ts';
import { checkQrsRequest, loadQrsSpec } from './spec-validator.ts';
import { route, type RouteResponse } from './routes.ts';
import { QlikSenseState, DEFAULT_SERVICE_ACCOUNT, type SiteSeed } from './state.ts';

export const XSRF_MESSAGE = 'XSRF prevention check failed. Possible XSRF discovered.';

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

export interface RequestLogEntry {
  method: string;
  path: string;
  /** Query parameters as decoded by the server, without the xrfkey. */
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
  status: number;
  /** What the simulator answered (parsed JSON, or Qlik-style plain text); the spec conformance test reads it. */
  response: unknown;
  /** Subject CN of the client certificate presented, if any. */
  clientCertificate: string | null;
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
  /** TLS handshakes completed ('secureConnection' events) and TCP connections accepted. */
  tls: { handshakes: number; connections: number };
  /**
   * An OnPremConnection for this site: Server URL on the loopback IP with the QRS port set, the site's client
   * certificate and CA, and the machine name as certificate host name; override anything.
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
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
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
    const queryKey = [...url.searchParams].find(([k]) => k.toLowerCase() === 'xrfkey')?.[1];
    const headerKey = req.headers['x-qlik-xrfkey'];
    if (!queryKey || queryKey !== headerKey || !/^[0-9a-zA-Z]{16}$/.test(queryKey)) return respond({ status: 403, body: XSRF_MESSAGE });
    const inactive = userFromHeader(state, req.headers['x-qlik-user']);
    if (inactive) return respond({ status: 403, body: 'Forbidden: Your account is inactive. Contact your administrator.' });
    if (raw.length > 0) {
      try {
        entry.body = JSON.parse(raw);
      } catch {
        return respond({ status: 400, body: 'The request body is not valid JSON.' });
      }
    }
    const violations = spec ? checkQrsRequest(spec, { method: entry.method, path: url.pathname, query: entry.query, body: entry.body }) : [];
    if (violations.length > 0) {
      specViolations.push(...violations.map((v) => `${entry.method} ${url.pathname}: ${v}`));
      return respond({ status: 400, body: `The request does not match the Repository API: ${violations.join('; ')}` });
    }
    const failure = faults.takeFailure(entry.method, url.pathname);
    if (failure) return respond({ status: failure.status, body: failure.message ?? '' });
    if (entry.method === 'PUT') simulateConcurrentEdit(url.pathname);
    respond(route(state, { method: entry.method, path: url.pathname, query: url.searchParams, body: entry.body }));
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
    tls,
    connection: (overrides = {}) => ({
      url: 'https://127.0.0.1',
      userDirectory: account.userDirectory,
      serviceAccountUser: account.userId,
      repositoryPort: port,
      enginePort: 4747,
      certificateHostName: machineName,
      allowUntrustedServerCertificate: false,
      tls: { keyPem: pki.client.keyPem, certPem: pki.client.certPem, caPems: [pki.ca.certPem] },
      virtualProxy: null,
      ...overrides,
    }),
    clearRequests: () => void requests.splice(0),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (specViolations.length > 0) throw new Error(`The service sent requests the QRS spec does not allow:\n  ${specViolations.join('\n  ')}`);
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: RouteResponse): void {
  if (response.body === undefined) {
    res.writeHead(response.status).end();
  } else if (typeof response.body === 'string') {
    res.writeHead(response.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(response.body);
  } else {
    res.writeHead(response.status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(response.body));
  }
}
