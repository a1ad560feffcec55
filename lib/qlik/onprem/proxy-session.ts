/**
 * Sessions through the `kpimailer` virtual proxy, as the service account: the door every KPImailer session into
 * Qlik Sense Enterprise uses, so the proxy's load balancing and isolation apply to it.
 *
 * 1. A ticket from the Proxy Service API (qps-client.ts): mutual TLS on `proxyApiPort`, xrfkey.
 * 2. Redeemed once through the proxy at `<Server URL>/<prefix>/qps/user?qlikTicket=<ticket>` (documented: the
 *    `qlikTicket` parameter on a request to the virtual proxy; Qlik's server certificate verified exactly as for
 *    QRS, without a client certificate). Redirects are followed within the same origin only; the session cookie
 *    named by the virtual proxy's `sessionCookieHeaderName` is kept.
 * 3. The identity proven by a request that carries only the cookie: `GET <Server URL>/<prefix>/qps/user` (Qlik's
 *    personal API "Get user": `{userDirectory, userId, ...}` when logged in, `{session: "inactive"}` otherwise).
 * 4. `close()` deletes the session through the Proxy Service API (`DELETE /qps/<prefix>/session/<id>`); a session
 *    that could not be deleted ends by itself after the virtual proxy's inactivity timeout.
 *
 * @example
 * const session = await openProxySession(connection);
 * try {
 *   const socket = new WebSocket(session.engineUrl(appId), session.webSocketOptions()); // the `ws` package
 * } finally {
 *   await session.close();
 * }
 */
import { request, type Agent, type Dispatcher } from 'undici';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { logger } from '#lib/observability/logger.ts';
import { targetOfCall, toConnectionError } from '#lib/qlik/onprem/connection-errors.ts';
import { proxyAnswerError, ticketError } from '#lib/qlik/onprem/proxy-session-errors.ts';
import { QpsClient, type HandshakeCounter, type QlikUserRef } from '#lib/qlik/onprem/qps-client.ts';
import type { PinnedLookup } from '#lib/qlik/destination-policy.ts';
import { createQlikAgent, qlikSocketOptions } from '#lib/qlik/onprem/qlik-agent.ts';
import { qlikTarget, type QrsTarget } from '#lib/qlik/onprem/qrs-tls.ts';
import { SESSION_COOKIE_HEADER_NAME } from '#lib/qlik/onprem/virtual-proxy-settings.ts';

export { ProxySessionError, type ProxySessionProblem } from '#lib/qlik/onprem/proxy-session-errors.ts';

export const KPIMAILER_PREFIX = 'kpimailer';
const MAX_REDIRECTS = 3;

/** The virtual proxy a session goes through. */
export interface ProxyDoor {
  prefix: string;
  sessionCookieHeaderName: string;
}

export interface ProxySessionOptions {
  /** Default: the connection's provisioned virtual proxy, else KPImailer's own (`kpimailer`). */
  virtualProxy?: ProxyDoor;
  connectTimeoutMs?: number;
  /** Per-request limit. */
  timeoutMs?: number;
}

/** What a WebSocket client (the `ws` package, enigma.js's `createSocket`) needs to reach the Engine through the proxy. */
export interface EngineSocketOptions {
  /** `Cookie` (the session) and `Origin` (the Server URL, which is on the virtual proxy's host allow list). */
  headers: Record<string, string>;
  ca?: string | string[];
  servername?: string;
  checkServerIdentity: (host: string, cert: import('node:tls').PeerCertificate) => Error | undefined;
  rejectUnauthorized: boolean;
  /** The destination policy's lookup: the resolved address is checked and pinned, as for every Qlik connection. */
  lookup: PinnedLookup;
}

export interface ProxySession {
  /** The proxy's origin (the Server URL's), e.g. `https://qlik.example.com`. */
  readonly origin: string;
  readonly prefix: string;
  /** Who the proxy says the session belongs to (always the service account: anything else fails opening). */
  readonly user: QlikUserRef;
  /** `<sessionCookieHeaderName>=<session id>`, for a `Cookie` header. A credential: never log it. */
  readonly cookieHeader: string;
  /** `wss://<host>[:port]/<prefix>/app/<appId>`: an Engine session through the virtual proxy. */
  engineUrl(appId: string): string;
  /**
   * Headers, TLS settings and the destination policy's lookup for the WebSocket to `engineUrl` (server trust as for
   * QRS, no client certificate). Throws `DestinationRefusedError` for a refused literal address.
   */
  webSocketOptions(): EngineSocketOptions;
  /** Ends the session in Qlik (Proxy Service API); safe to call twice; never throws. */
  close(): Promise<void>;
}

/**
 * Opens sessions for one connection; keeps one TLS connection to the Proxy Service API and one to the proxy, so
 * retries (while Qlik applies a changed virtual proxy) need no new handshakes.
 */
export class ProxySessions {
  door: ProxyDoor;
  readonly qps: QpsClient;
  readonly proxyTarget: QrsTarget;
  readonly proxyTls: HandshakeCounter = { handshakes: 0, lastHandshakeMs: null };
  private readonly proxyAgent: Agent;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly account: QlikUserRef;

  constructor(
    private readonly connection: OnPremConnection,
    options: ProxySessionOptions = {},
  ) {
    this.door = options.virtualProxy ?? {
      prefix: connection.virtualProxy?.prefix ?? KPIMAILER_PREFIX,
      sessionCookieHeaderName: connection.virtualProxy?.sessionCookieHeaderName ?? SESSION_COOKIE_HEADER_NAME,
    };
    this.account = { userDirectory: connection.userDirectory, userId: connection.serviceAccountUser };
    this.timeoutMs = options.timeoutMs ?? 8_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 8_000;
    this.qps = new QpsClient(connection, { timeoutMs: this.timeoutMs, connectTimeoutMs: this.connectTimeoutMs });
    this.proxyTarget = qlikTarget(connection, null);
    this.proxyAgent = createQlikAgent({
      connection,
      target: this.proxyTarget,
      clientCertificate: false,
      connectTimeoutMs: this.connectTimeoutMs,
      onConnected: (socket, ms) => {
        if (!socket) return;
        this.proxyTls.handshakes += 1;
        this.proxyTls.lastHandshakeMs = ms;
      },
    });
  }

  /** Switches to the virtual proxy as provisioned (its cookie name may differ); resolves true when it changed. */
  useVirtualProxy(door: ProxyDoor): boolean {
    const changed =
      door.prefix !== this.door.prefix || door.sessionCookieHeaderName !== this.door.sessionCookieHeaderName;
    this.door = { ...door };
    return changed;
  }

  /** Ticket, redemption, identity: resolves with a proven session, or rejects with `ProxySessionError`. */
  async open(signal?: AbortSignal): Promise<ProxySession> {
    const { prefix } = this.door;
    // The proxy's TLS handshake need not wait for the ticket: a first, unauthenticated `GET /<prefix>/qps/user`
    // (documented to answer `{session: "inactive"}`) opens the kept-alive connection the redemption then uses.
    const warmed =
      this.proxyTls.handshakes === 0 ? this.get(this.userUrl(), undefined, signal).catch(() => undefined) : undefined;
    let ticket: string;
    try {
      ticket = await this.qps.requestTicket(prefix, this.account, signal);
    } catch (error) {
      throw ticketError(error, { connection: this.connection, prefix, port: this.qps.target.port });
    } finally {
      await warmed;
    }
    const sessionId = await this.redeem(ticket, signal);
    return this.sessionFor(sessionId);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.qps.close(), this.proxyAgent.destroy()]);
  }

  /** Redeems the ticket, follows same-origin redirects keeping the session cookie, and proves who it is. */
  private async redeem(ticket: string, signal?: AbortSignal): Promise<string> {
    const { sessionCookieHeaderName } = this.door;
    let url = this.userUrl();
    url.searchParams.set('qlikTicket', ticket);
    let sessionId: string | undefined;
    for (let hop = 0; ; hop += 1) {
      // The ticket is in the URL on the first hop only; once it is spent, only the cookie authenticates.
      const carriesTicket = url.searchParams.has('qlikTicket');
      const answer = await this.get(url, sessionId ? `${sessionCookieHeaderName}=${sessionId}` : undefined, signal);
      sessionId = cookieValue(answer.headers['set-cookie'], sessionCookieHeaderName) ?? sessionId;
      const location = answer.headers.location;
      if (answer.status >= 300 && answer.status < 400 && typeof location === 'string') {
        const next = new URL(location, url);
        if (next.origin !== url.origin || hop >= MAX_REDIRECTS) {
          throw proxyAnswerError({ kind: 'redirect', offOrigin: next.origin !== url.origin }, this.describe());
        }
        url = next;
        continue;
      }
      if (answer.status !== 200) throw proxyAnswerError({ kind: 'status', status: answer.status }, this.describe());
      if (!sessionId) throw proxyAnswerError({ kind: 'no-session' }, this.describe());
      if (carriesTicket) {
        // Answered on the ticket request itself: ask again with the cookie alone, which is what proves the session.
        url.searchParams.delete('qlikTicket');
        continue;
      }
      this.proveIdentity(answer.body);
      return sessionId;
    }
  }

  private proveIdentity(body: unknown): void {
    const user = (body ?? {}) as { userDirectory?: unknown; userId?: unknown; session?: unknown };
    if (typeof user.userDirectory !== 'string' || typeof user.userId !== 'string')
      throw proxyAnswerError({ kind: 'no-session' }, this.describe());
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    if (!same(user.userDirectory, this.account.userDirectory) || !same(user.userId, this.account.userId)) {
      throw proxyAnswerError({ kind: 'wrong-user' }, this.describe());
    }
  }

  private async get(
    url: URL,
    cookie: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ status: number; headers: Dispatcher.ResponseData['headers']; body: unknown }> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(url, {
        method: 'GET',
        dispatcher: this.proxyAgent,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headers: { Accept: 'application/json', ...(cookie ? { Cookie: cookie } : {}) },
      });
      const text = await response.body.text();
      let body: unknown;
      try {
        body = text.trim() ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: response.statusCode, headers: response.headers, body };
    } catch (error) {
      const failure = await toConnectionError(error, {
        method: 'GET',
        path: url.pathname,
        ...targetOfCall(this.proxyTarget),
        connected: this.proxyTls.handshakes > 0,
        timedOutAfterMs: timeout.aborted && !signal?.aborted ? this.timeoutMs : undefined,
        connectTimeoutMs: this.connectTimeoutMs,
        abortedByCaller: signal?.aborted === true,
      });
      throw proxyAnswerError({ kind: 'connection', error: failure }, this.describe());
    }
  }

  /** `<Server URL>/<prefix>/qps/user`: the personal API that answers who the session is. */
  private userUrl(): URL {
    return new URL(`${this.proxyTarget.origin}/${encodeURIComponent(this.door.prefix)}/qps/user`);
  }

  private describe() {
    return { connection: this.connection, prefix: this.door.prefix, origin: this.proxyTarget.origin };
  }

  private sessionFor(sessionId: string): ProxySession {
    const { prefix, sessionCookieHeaderName } = this.door;
    const origin = this.proxyTarget.origin;
    const cookieHeader = `${sessionCookieHeaderName}=${sessionId}`;
    let closing: Promise<void> | undefined;
    return {
      origin,
      prefix,
      user: { ...this.account },
      cookieHeader,
      engineUrl: (appId) =>
        `${origin.replace(/^https:/, 'wss:')}/${encodeURIComponent(prefix)}/app/${encodeURIComponent(appId)}`,
      webSocketOptions: () => {
        const socket = qlikSocketOptions(this.connection, this.proxyTarget);
        return {
          headers: { Cookie: cookieHeader, Origin: origin },
          ca: socket.ca as string[] | undefined,
          servername: socket.servername,
          checkServerIdentity: socket.checkServerIdentity!,
          rejectUnauthorized: socket.rejectUnauthorized !== false,
          lookup: socket.lookup,
        };
      },
      close: () =>
        (closing ??= this.qps.deleteSession(prefix, sessionId).catch((error: unknown) => {
          // It ends by itself after the virtual proxy's inactivity timeout; nothing for the caller to do.
          logger.warn('Could not end the Qlik proxy session; it will expire', {
            prefix,
            error: error instanceof Error ? error.message : String(error),
          });
        })),
    };
  }
}

/**
 * Opens one session through the connection's virtual proxy; `close()` ends it and releases its connections.
 *
 * @example
 * const session = await openProxySession(connection);
 * await session.close();
 */
export async function openProxySession(
  connection: OnPremConnection,
  options: ProxySessionOptions & { signal?: AbortSignal } = {},
): Promise<ProxySession> {
  const sessions = new ProxySessions(connection, options);
  try {
    const session = await sessions.open(options.signal);
    return {
      ...session,
      close: async () => {
        await session.close();
        await sessions.close();
      },
    };
  } catch (error) {
    await sessions.close();
    throw error;
  }
}

/** The value of the cookie `name` among `Set-Cookie` headers (cookie names compare case-insensitively here). */
function cookieValue(setCookie: string | string[] | undefined, name: string): string | undefined {
  for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim().toLowerCase() === name.toLowerCase()) {
      const value = pair.slice(at + 1).trim();
      if (value) return value;
    }
  }
  return undefined;
}
