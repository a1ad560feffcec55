/**
 * The simulated Qlik Sense Proxy Service (QPS) of the central node, on two loopback listeners:
 *
 * - the **Proxy Service API** (Qlik's port 4243): mutual TLS with this site's client certificate, the xrfkey rule,
 *   `POST /qps/{prefix/}ticket`, `GET|DELETE /qps/{prefix/}session/{id}`, `GET|DELETE /qps/{prefix/}user/{dir}/{id}`
 *   (paths and bodies as in Qlik's help, "Proxy Service API": Add ticket, Get/Delete session, Get/Delete user);
 * - the **proxy** (Qlik's port 443, the Server URL): server TLS with the site's certificate and no client
 *   certificate; routes by the first path segment to a linked virtual proxy (else the default one), redeems a
 *   `qlikTicket` into a session cookie named by the virtual proxy's `sessionCookieHeaderName`, serves the personal
 *   API `GET|DELETE /{prefix}/qps/user`, and on a header-authentication proxy grants a session to anyone who sends
 *   the header (the hole ticket authentication closes). WebSocket upgrades to `/{prefix}/app/{appId}` are
 *   authenticated the same way and handed to `onEngineUpgrade`, where an engine simulator can plug in.
 *
 * Where Qlik does not document what it answers, the simulator is strict and says so below.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestPki } from '#test/support/certificates.ts';
import type { SimulatorFaults } from './faults.ts';
import {
  headerRecord,
  readBody,
  send,
  XSRF_MESSAGE,
  xrfkeyMatches,
  type LoggedRequest,
  type RouteResponse,
} from './http-io.ts';
import { ProxyServiceState, type ProxySession, type ServedVirtualProxy } from './proxy-state.ts';
import type { QlikSenseState } from './state.ts';

/** A logged request; a `qlikTicket` in the query is shown as `<ticket>`. */
export interface ProxyRequestLogEntry extends LoggedRequest {
  listener: 'qps-api' | 'proxy';
}

export type EngineUpgradeHandler = (
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  session: ProxySession,
  appId: string,
) => void;

export interface SimulatedProxyService {
  /** `https://127.0.0.1:<proxy port>`: the Server URL. */
  url: string;
  port: number;
  /** The Proxy Service API port (`proxyApiPort`). */
  apiPort: number;
  state: ProxyServiceState;
  requests: ProxyRequestLogEntry[];
  /** Called for an authenticated WebSocket upgrade to `/{prefix}/app/{appId}`; unset, the proxy answers 404. */
  onEngineUpgrade: EngineUpgradeHandler | undefined;
  close(): Promise<void>;
}

const text = (status: number, message: string): RouteResponse => ({ status, body: message });
const sessionStruct = (s: ProxySession) => ({
  UserDirectory: s.userDirectory,
  UserId: s.userId,
  Attributes: [],
  SessionId: s.sessionId,
});

export async function startProxyService(options: {
  repository: QlikSenseState;
  pki: TestPki;
  faults: SimulatorFaults;
}): Promise<SimulatedProxyService> {
  const { repository, pki, faults } = options;
  const centralProxyService = () =>
    [...repository.proxyServices.values()].find(
      (s) => (s.serverNodeConfiguration as { id: string }).id === repository.centralNode.id,
    )?.id;
  const state = new ProxyServiceState(repository, centralProxyService);
  const requests: ProxyRequestLogEntry[] = [];

  const logged = async (
    listener: ProxyRequestLogEntry['listener'],
    req: IncomingMessage,
    res: ServerResponse,
    work: (url: URL, raw: string, entry: ProxyRequestLogEntry) => RouteResponse,
  ) => {
    const raw = await readBody(req);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const url = new URL(req.url ?? '/', 'https://qps.invalid');
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    const entry: ProxyRequestLogEntry = {
      listener,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(
        [...url.searchParams]
          .filter(([k]) => k.toLowerCase() !== 'xrfkey')
          .map(([k, v]) => [k, k.toLowerCase() === 'qlikticket' ? '<ticket>' : v]),
      ),
      headers: headerRecord(req.headers),
      body: undefined,
      status: 0,
      response: undefined,
      clientCertificate: peer?.subject ? String(peer.subject.CN) : null,
    };
    requests.push(entry);
    const response = work(url, raw, entry);
    entry.status = response.status;
    entry.response = response.body;
    send(res, response);
  };

  // -- the Proxy Service API (4243)

  function api(req: IncomingMessage, url: URL, raw: string, entry: ProxyRequestLogEntry): RouteResponse {
    // The same trust rule as QRS: only certificates this site's CA issued.
    if (!(req.socket as TLSSocket).authorized) return text(403, 'Forbidden');
    if (!xrfkeyMatches(url, req.headers)) return text(403, XSRF_MESSAGE);
    const match = /^\/qps(?:\/([^/]+))?\/(ticket|session|user)(?:\/(.*))?$/i.exec(url.pathname);
    if (!match) return text(404, 'Not Found');
    const [, prefix = '', resource, rest = ''] = match;
    // Undocumented: what QPS answers for a prefix it does not serve (unknown, not linked to this proxy, or not
    // applied yet). Strict here: 404, and no ticket.
    const vp = state.served(prefix);
    if (!vp) return text(404, `No virtual proxy with the prefix '${prefix}' is served by this proxy.`);
    if (raw) {
      try {
        entry.body = JSON.parse(raw);
      } catch {
        return text(400, 'The request body is not valid JSON.');
      }
    }
    const method = entry.method;
    if (resource!.toLowerCase() === 'ticket' && !rest && method === 'POST') return addTicket(vp, entry.body);
    if (resource!.toLowerCase() === 'session' && /^[0-9a-f-]{36}$/i.test(rest)) {
      const session = state.sessionOf(rest, vp);
      if (!session) return text(404, 'Not Found');
      if (method === 'GET') return { status: 200, body: sessionStruct(session) };
      if (method === 'DELETE') {
        state.endSession(session.sessionId);
        return { status: 200, body: sessionStruct(session) };
      }
      return text(405, 'Method Not Allowed');
    }
    const user = /^([^/]+)\/([^/]+)$/.exec(rest);
    if (resource!.toLowerCase() === 'user' && user) {
      const [dir, id] = [decodeURIComponent(user[1]!), decodeURIComponent(user[2]!)].map((s) => s.toLowerCase());
      const theirs = [...state.sessions.values()].filter(
        (s) => s.virtualProxyId === vp.id && s.userDirectory.toLowerCase() === dir && s.userId.toLowerCase() === id,
      );
      if (method === 'DELETE') for (const s of theirs) state.endSession(s.sessionId);
      if (method === 'GET' || method === 'DELETE') return { status: 200, body: theirs.map(sessionStruct) };
      return text(405, 'Method Not Allowed');
    }
    return text(404, 'Not Found');
  }

  /** Qlik help, "Add ticket": body `{UserDirectory, UserId, Attributes?, TargetId?}`; neither blank nor with a backslash. */
  function addTicket(vp: ServedVirtualProxy, body: unknown): RouteResponse {
    const record = (body ?? {}) as Record<string, unknown>;
    const valid = (value: unknown): value is string =>
      typeof value === 'string' && value.trim() !== '' && !value.includes('\\');
    if (!valid(record.UserDirectory) || !valid(record.UserId)) {
      return text(400, 'UserDirectory and UserId are required, may not be blank and may not contain a backslash.');
    }
    const ticket = state.issueTicket(vp, record.UserDirectory.trim(), record.UserId.trim());
    // Undocumented: the status of a created ticket. Qlik's own samples accept 201; any 2xx is success.
    return {
      status: 201,
      body: {
        UserDirectory: ticket.userDirectory,
        UserId: ticket.userId,
        Attributes: [],
        Ticket: ticket.ticket,
        TargetUri: null,
      },
    };
  }

  // -- the proxy (443)

  /** The virtual proxy a path reaches, and the path below its prefix. */
  function routeOf(pathname: string): { vp: ServedVirtualProxy; rest: string } | undefined {
    const [, first = '', ...more] = pathname.split('/');
    const prefixed = first ? state.served(first) : undefined;
    if (prefixed) return { vp: prefixed, rest: `/${more.join('/')}` };
    const fallback = state.served('');
    return fallback ? { vp: fallback, rest: pathname } : undefined;
  }

  function cookieValue(req: IncomingMessage, name: string): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [key, ...value] = part.trim().split('=');
      if (key && key.toLowerCase() === name.toLowerCase()) return value.join('=');
    }
    return undefined;
  }

  function authenticate(req: IncomingMessage, vp: ServedVirtualProxy): { session?: ProxySession; setCookie?: string } {
    const existing = state.sessionOf(cookieValue(req, vp.sessionCookieHeaderName), vp);
    if (existing) return { session: existing };
    // Header authentication (1 static, 2 dynamic user directory): whoever sends the header is that user.
    if (vp.authenticationMethod === 1 && vp.headerAuthenticationHeaderName) {
      const named = req.headers[vp.headerAuthenticationHeaderName.toLowerCase()];
      if (typeof named === 'string' && named.trim()) {
        const session = state.openSession(vp, vp.headerAuthenticationStaticUserDirectory, named.trim(), 'header');
        return { session, setCookie: cookieFor(vp, session) };
      }
    }
    return {};
  }

  const cookieFor = (vp: ServedVirtualProxy, session: ProxySession) =>
    `${vp.sessionCookieHeaderName}=${session.sessionId}; Path=/; HttpOnly; SameSite=None; Secure`;

  function proxy(req: IncomingMessage, url: URL): RouteResponse {
    const routed = routeOf(url.pathname);
    if (!routed) return text(404, 'Not Found');
    const { vp, rest } = routed;
    const ticket = url.searchParams.get('qlikTicket');
    if (ticket && vp.authenticationMethod === 0) {
      const session = state.redeem(ticket, vp);
      if (session) {
        // Undocumented: how the proxy answers a redeemed ticket. Strict here: a redirect to the same URL without
        // the ticket, with the session cookie, so a client must keep the cookie and follow the redirect.
        const target = new URL(url);
        target.searchParams.delete('qlikTicket');
        return {
          status: 302,
          headers: { Location: `${target.pathname}${target.search}`, 'Set-Cookie': cookieFor(vp, session) },
        };
      }
    }
    const { session, setCookie } = authenticate(req, vp);
    const headers = setCookie ? { 'Set-Cookie': setCookie } : undefined;
    if (rest.toLowerCase() === '/qps/user') {
      // Qlik help, personal API "Get user" / "Delete user" (logout).
      if (req.method === 'DELETE') {
        if (session) state.endSession(session.sessionId);
        return { status: 200, headers };
      }
      if (req.method !== 'GET') return text(405, 'Method Not Allowed');
      if (!session) return { status: 200, body: { session: 'inactive' } };
      const user = repository.findUser(session.userDirectory, session.userId);
      const base = vp.prefix ? `/${vp.prefix}` : '';
      return {
        status: 200,
        headers,
        body: {
          userDirectory: session.userDirectory,
          userId: session.userId,
          userName: String(user?.name ?? session.userId),
          logoutUri: `${base}/qps/user`,
        },
      };
    }
    // Undocumented for a ticket proxy without an authentication module: strict here, 401 without a session.
    return session ? { status: 404, headers, body: 'Not Found' } : text(401, 'Unauthorized');
  }

  function upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://proxy.invalid');
    const routed = routeOf(url.pathname);
    const app = routed && /^\/app\/([^/]+)\/?$/.exec(routed.rest);
    const session = routed ? authenticate(req, routed.vp).session : undefined;
    const refuse = (status: string) =>
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    if (!routed || !app) return void refuse('404 Not Found');
    if (!session) return void refuse('401 Unauthorized');
    // The virtual proxy's host allow list governs which origins may open WebSockets (Qlik help, virtual proxy
    // "Host allow list"). Undocumented: whether the proxy's own host passes without being listed. Strict here: only
    // listed hosts pass, and a request without an Origin is refused.
    const origin =
      typeof req.headers.origin === 'string' && URL.canParse(req.headers.origin)
        ? new URL(req.headers.origin).hostname
        : '';
    if (!routed.vp.websocketCrossOriginWhiteList.some((host) => host.toLowerCase() === origin.toLowerCase()))
      return void refuse('403 Forbidden');
    if (!service.onEngineUpgrade) return void refuse('404 Not Found');
    service.onEngineUpgrade(req, socket, head, session, decodeURIComponent(app[1]!));
  }

  const handle = (listener: ProxyRequestLogEntry['listener']) => (req: IncomingMessage, res: ServerResponse) => {
    void logged(listener, req, res, (url, raw, entry) =>
      listener === 'qps-api' ? api(req, url, raw, entry) : proxy(req, url),
    ).catch((error: unknown) => {
      if (!res.headersSent) send(res, text(500, `Simulator error: ${String(error)}`));
    });
  };
  const apiServer: Server = createServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.certPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    handle('qps-api'),
  );
  const proxyServer: Server = createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, handle('proxy'));
  proxyServer.on('upgrade', upgrade);
  const listen = async (server: Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const [apiPort, port] = [await listen(apiServer), await listen(proxyServer)];
  const stop = (server: Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const service: SimulatedProxyService = {
    url: `https://127.0.0.1:${port}`,
    port,
    apiPort,
    state,
    requests,
    onEngineUpgrade: undefined,
    close: async () => void (await Promise.all([stop(apiServer), stop(proxyServer)])),
  };
  return service;
}
