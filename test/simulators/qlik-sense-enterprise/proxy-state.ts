/**
 * What the simulated Qlik Sense Proxy Service (QPS) knows: the virtual proxies it serves, the tickets it issued
 * and the proxy sessions it holds. It knows nothing about HTTP (proxy-service.ts serves it).
 *
 * The QPS reads its virtual proxy configuration from the repository and applies a new or changed one after a
 * short delay (Qlik's help on editing virtual proxies: the proxy restarts or reloads its configuration; the
 * length of the delay is not documented). `applyDelayMs` models it: 0 serves the repository's current state;
 * above 0, each repository write is served only once that long has passed since it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { QlikSenseState } from './state.ts';

/** Qlik help, "Add ticket": "The user information and ticket are valid for one minute". */
export const TICKET_LIFETIME_MS = 60_000;

/** The fields of a virtual proxy the proxy acts on. */
export interface ServedVirtualProxy {
  id: string;
  prefix: string;
  authenticationMethod: number;
  headerAuthenticationHeaderName: string;
  headerAuthenticationStaticUserDirectory: string;
  sessionCookieHeaderName: string;
  /** Hosts a WebSocket `Origin` may name ("Host allow list" in the QMC). */
  websocketCrossOriginWhiteList: string[];
}

export interface ProxyTicket {
  ticket: string;
  userDirectory: string;
  userId: string;
  virtualProxyId: string;
  expiresAt: number;
}

export interface ProxySession {
  sessionId: string;
  userDirectory: string;
  userId: string;
  virtualProxyId: string;
  /** How it was made: a redeemed ticket, or a header on a header-authentication proxy. */
  origin: 'ticket' | 'header';
}

type ServedConfig = Map<string, ServedVirtualProxy>;

export class ProxyServiceState {
  readonly tickets = new Map<string, ProxyTicket>();
  readonly sessions = new Map<string, ProxySession>();
  /** Called when a session ends (deleted through the Proxy Service API or logged out): its Engine connections close. */
  readonly sessionEndedListeners: Array<(sessionId: string) => void> = [];
  private delayMs = 0;
  private applied: ServedConfig = new Map();
  private pending: Array<{ readyAt: number; config: ServedConfig }> = [];

  constructor(
    private readonly repository: QlikSenseState,
    /** The proxy service this listener is (the central node's): only virtual proxies linked to it are served. */
    private readonly proxyServiceId: () => string | undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  get applyDelayMs(): number {
    return this.delayMs;
  }

  /** From now on, repository changes reach the proxy only after `ms`; what the repository holds now is served. */
  set applyDelayMs(ms: number) {
    this.applied = this.readRepository();
    this.pending = [];
    this.delayMs = ms;
  }

  /** The server calls this after every write to a virtual proxy or proxy service. */
  repositoryChanged(): void {
    if (this.delayMs > 0) this.pending.push({ readyAt: this.clock() + this.delayMs, config: this.readRepository() });
  }

  /** The virtual proxy served under `prefix` (lowercase, '' for the default one), if any. */
  served(prefix: string): ServedVirtualProxy | undefined {
    return this.config().get(prefix.toLowerCase());
  }

  issueTicket(virtualProxy: ServedVirtualProxy, userDirectory: string, userId: string): ProxyTicket {
    // Real tickets are short random strings; their format is not documented.
    const ticket: ProxyTicket = {
      ticket: randomBytes(12).toString('base64url'),
      userDirectory,
      userId,
      virtualProxyId: virtualProxy.id,
      expiresAt: this.clock() + TICKET_LIFETIME_MS,
    };
    this.tickets.set(ticket.ticket, ticket);
    return ticket;
  }

  /** A ticket is good once, for its own virtual proxy, within its minute. */
  redeem(ticket: string, virtualProxy: ServedVirtualProxy): ProxySession | undefined {
    const issued = this.tickets.get(ticket);
    if (!issued) return undefined;
    this.tickets.delete(ticket);
    if (issued.expiresAt < this.clock() || issued.virtualProxyId !== virtualProxy.id) return undefined;
    return this.openSession(virtualProxy, issued.userDirectory, issued.userId, 'ticket');
  }

  openSession(
    virtualProxy: ServedVirtualProxy,
    userDirectory: string,
    userId: string,
    origin: ProxySession['origin'],
  ): ProxySession {
    const session: ProxySession = {
      sessionId: randomUUID(),
      userDirectory,
      userId,
      virtualProxyId: virtualProxy.id,
      origin,
    };
    this.sessions.set(session.sessionId, session);
    return session;
  }

  /** Ends a session and tears down what runs in it (Qlik help, "Delete session"). */
  endSession(sessionId: string): void {
    if (!this.sessions.delete(sessionId)) return;
    for (const listener of this.sessionEndedListeners) listener(sessionId);
  }

  sessionOf(sessionId: string | undefined, virtualProxy: ServedVirtualProxy): ProxySession | undefined {
    const session = sessionId ? this.sessions.get(sessionId) : undefined;
    return session?.virtualProxyId === virtualProxy.id ? session : undefined;
  }

  private config(): ServedConfig {
    if (this.delayMs === 0) return this.readRepository();
    const now = this.clock();
    while (this.pending[0] && this.pending[0].readyAt <= now) this.applied = this.pending.shift()!.config;
    return this.applied;
  }

  private readRepository(): ServedConfig {
    const config: ServedConfig = new Map();
    const serviceId = this.proxyServiceId();
    for (const vp of this.repository.virtualProxies.values()) {
      if (!serviceId || !this.repository.linksOf(vp.id).includes(serviceId)) continue;
      config.set(String(vp.prefix).toLowerCase(), {
        id: vp.id,
        prefix: String(vp.prefix),
        authenticationMethod: Number(vp.authenticationMethod ?? 0),
        headerAuthenticationHeaderName: String(vp.headerAuthenticationHeaderName ?? ''),
        headerAuthenticationStaticUserDirectory: String(vp.headerAuthenticationStaticUserDirectory ?? ''),
        sessionCookieHeaderName: String(vp.sessionCookieHeaderName ?? ''),
        websocketCrossOriginWhiteList: Array.isArray(vp.websocketCrossOriginWhiteList)
          ? vp.websocketCrossOriginWhiteList.map(String)
          : [],
      });
    }
    return config;
  }
}
