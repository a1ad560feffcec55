/**
 * The one HTTP client for the Qlik Sense Repository Service (QRS) on port 4242: mutual TLS with the client
 * certificate exported from the QMC, a fresh xrfkey on every call, `X-Qlik-User` naming the service account,
 * and typed errors. One undici Agent per connection settings keeps the connection alive, so a whole connection
 * test (or a sync) rides on a single TLS session.
 *
 * @example
 * const qrs = createQrsClient(connection);
 * try {
 *   const users = await qrs.get<QrsUser[]>('/qrs/user/full', { filter: qrsCompare('userId', 'eq', 'sa_api') });
 * } finally {
 *   await qrs.close();
 * }
 */
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { request, type Agent, type Dispatcher } from 'undici';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { logger } from '#lib/observability/logger.ts';
import { toConnectionError } from '#lib/qlik/onprem/connection-errors.ts';
import { QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import { KIB, MIB, readCappedText, ResponseTooLargeError } from '#lib/qlik/response-size.ts';
import { DEFAULT_QRS_RETRY, withQrsRetry, type QrsRetryPolicy } from '#lib/qlik/onprem/qrs-retry.ts';
import {
  buildQuery,
  describeRequestPath,
  newXrfkey,
  qlikErrorMessage,
  qlikUserHeader,
  type QueryValue,
} from '#lib/qlik/onprem/qrs-request.ts';
import { createQlikAgent } from '#lib/qlik/onprem/qlik-agent.ts';
import { qrsTarget, type QrsTarget } from '#lib/qlik/onprem/qrs-tls.ts';
import { describePeerCertificate, type ServerCertificateInfo } from '#lib/qlik/onprem/server-certificate.ts';

export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 8_000;

export interface QrsClientOptions {
  /** Replaces the TLS Agent (unit tests inject an undici MockAgent; nothing else should). */
  dispatcher?: Dispatcher;
  /** Per-call default; each call may pass its own `timeoutMs`. */
  defaultTimeoutMs?: number;
  /** TCP + TLS handshake limit. */
  connectTimeoutMs?: number;
  /** Parallel connections to QRS; sync may raise it, a connection test needs one. */
  connections?: number;
  /** How reads are tried again on 5xx and dropped connections (see qrs-retry.ts); calls that change something never are. */
  retry?: Partial<QrsRetryPolicy>;
}

export interface QrsCallOptions {
  query?: Record<string, QueryValue>;
  /** A filter expression built with qrs-filter.ts; it is percent-encoded here. */
  filter?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Overrides the route's answer size limit (QRS_RESPONSE_LIMITS). */
  maxResponseBytes?: number;
  /** Marks a POST that only reads (e.g. `/qrs/app/table`), so it is retried like a GET. */
  read?: boolean;
}

/**
 * The largest answer each QRS route may give. Sized from what the route returns at the largest sites we plan for
 * (500-row app pages of 100,000-app sites, a week of reload results), with room to spare.
 */
const QRS_RESPONSE_LIMITS: Array<[RegExp, number]> = [
  [/^\/qrs\/about$/, 64 * KIB],
  [/^\/qrs\/app\/count$/, 64 * KIB],
  [/^\/qrs\/app\/table$/, 32 * MIB],
  [/^\/qrs\/app(\/|$)/, 16 * MIB],
  [/^\/qrs\/executionresult\//, 16 * MIB],
  [/^\/qrs\/user(\/|$)/, 1 * MIB],
];
const DEFAULT_QRS_RESPONSE_LIMIT = 4 * MIB;

export function qrsResponseLimit(path: string): number {
  return QRS_RESPONSE_LIMITS.find(([route]) => route.test(path))?.[1] ?? DEFAULT_QRS_RESPONSE_LIMIT;
}

/** What the TLS layer has seen so far; the connection test reports it and the benchmark counts handshakes. */
export interface QrsTlsState {
  handshakes: number;
  /** Duration of the latest TCP + TLS handshake. */
  lastHandshakeMs: number | null;
  protocol: string | null;
  serverCertificate: ServerCertificateInfo | undefined;
  /** Whether the chain and name were verified (false only under allowUntrustedServerCertificate). */
  verified: boolean;
}

export class QrsClient {
  readonly target: QrsTarget;
  readonly tls: QrsTlsState = {
    handshakes: 0,
    lastHandshakeMs: null,
    protocol: null,
    serverCertificate: undefined,
    verified: false,
  };
  /** Requests sent (answered or not); the benchmark and tests read it. */
  requestCount = 0;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly userHeader: string;
  private readonly defaultTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly retry: QrsRetryPolicy;
  /** Calls tried again (the benchmark and tests read it). */
  retries = 0;
  private connecting = 0;

  constructor(connection: OnPremConnection, options: QrsClientOptions = {}) {
    this.target = qrsTarget(connection);
    this.userHeader = qlikUserHeader(connection.userDirectory, connection.serviceAccountUser);
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.retry = { ...DEFAULT_QRS_RETRY, ...options.retry };
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? this.createAgent(connection, options);
  }

  get<T>(path: string, options: QrsCallOptions = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, options).then((r) => r.body);
  }

  post<T>(path: string, body: unknown, options: QrsCallOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, options).then((r) => r.body);
  }

  put<T>(path: string, body: unknown, options: QrsCallOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, body, options).then((r) => r.body);
  }

  async delete(path: string, options: QrsCallOptions = {}): Promise<void> {
    await this.request('DELETE', path, undefined, options);
  }

  /**
   * Sends one QRS call. Resolves on 2xx with the parsed JSON body (undefined when empty); rejects with
   * `QrsRequestError` on any other status and `QrsConnectionError` when there was no HTTP answer. A read
   * (GET, or a POST marked `read`) is tried again on 5xx and dropped connections; nothing else ever is.
   */
  async request<T>(
    method: string,
    path: string,
    body: unknown,
    options: QrsCallOptions = {},
  ): Promise<{ status: number; body: T }> {
    if (!path.startsWith('/qrs/')) throw new Error(`QRS paths start with /qrs/: ${path}`);
    const read = method === 'GET' || (method === 'POST' && options.read === true);
    if (!read) return this.send<T>(method, path, body, options);
    return withQrsRetry(
      this.retry,
      options.signal,
      () => this.send<T>(method, path, body, options),
      (error) => {
        this.retries += 1;
        logger.warn('QRS read failed; trying again', {
          qrs: { method, path, error: error instanceof Error ? error.message : String(error) },
        });
      },
    );
  }

  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    options: QrsCallOptions,
  ): Promise<{ status: number; body: T }> {
    const xrfkey = newXrfkey();
    const query = { ...options.query, ...(options.filter !== undefined ? { filter: options.filter } : {}) };
    const shownPath = describeRequestPath(path, query);
    const url = `${this.target.origin}${path}${buildQuery({ ...query, xrfkey })}`;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const started = performance.now();
    this.requestCount += 1;
    try {
      const response = await request(url, {
        method: method as Dispatcher.HttpMethod,
        dispatcher: this.dispatcher,
        signal: controller.signal,
        headers: {
          'X-Qlik-Xrfkey': xrfkey,
          'X-Qlik-User': this.userHeader,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const limit = options.maxResponseBytes ?? qrsResponseLimit(path);
      const text = await readCappedText(response, limit).catch((error: unknown) => {
        if (error instanceof ResponseTooLargeError)
          throw new QrsRequestError(method, shownPath, response.statusCode, '', {
            cause: error,
            problem: error.message,
          });
        throw error;
      });
      logger.debug('QRS call', {
        qrs: { method, path: shownPath, status: response.statusCode, ms: Math.round(performance.now() - started) },
      });
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw new QrsRequestError(method, shownPath, response.statusCode, qlikErrorMessage(text));
      }
      return { status: response.statusCode, body: parseJson<T>(text, method, shownPath, response.statusCode) };
    } catch (error) {
      if (error instanceof QrsRequestError) throw error;
      throw await toConnectionError(error, {
        method,
        path: shownPath,
        host: this.target.host,
        port: this.target.port,
        checkedName: this.target.checkedName,
        checkedNameSource: this.target.checkedNameSource,
        servername: this.target.servername,
        connected: this.connecting === 0 && this.tls.handshakes > 0,
        timedOutAfterMs: timedOut ? timeoutMs : undefined,
        connectTimeoutMs: this.connectTimeoutMs,
        abortedByCaller: !timedOut && options.signal?.aborted === true,
      });
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Closes the kept-alive connection; the client cannot be used afterwards. */
  async close(): Promise<void> {
    if (!this.ownsDispatcher) return;
    // A graceful close waits for calls still in flight; a test that hit its deadline must not wait on them.
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => void this.dispatcher.destroy().then(resolve, resolve), 1_000);
    });
    try {
      await Promise.race([this.dispatcher.close(), forced]);
    } finally {
      clearTimeout(timer);
    }
  }

  private createAgent(connection: OnPremConnection, options: QrsClientOptions): Agent {
    return createQlikAgent({
      connection,
      target: this.target,
      clientCertificate: true,
      connectTimeoutMs: this.connectTimeoutMs,
      connections: options.connections,
      onConnecting: () => (this.connecting += 1),
      onConnected: (socket, ms) => {
        this.connecting -= 1;
        if (socket) this.recordHandshake(socket, ms);
      },
    });
  }

  private recordHandshake(socket: TLSSocket, ms: number): void {
    this.tls.handshakes += 1;
    this.tls.lastHandshakeMs = ms;
    this.tls.protocol = socket.getProtocol();
    this.tls.serverCertificate = describePeerCertificate(socket.getPeerCertificate());
    this.tls.verified = socket.authorized;
  }
}

function parseJson<T>(text: string, method: string, path: string, status: number): T {
  if (!text.trim()) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    // An HTML page here means the port is a proxy or web server, not QRS.
    throw new QrsRequestError(method, path, status, '', { cause: error, problem: 'the answer is not JSON' });
  }
}

/** The factory the connection test, app sync and reload polling share. */
export function createQrsClient(connection: OnPremConnection, options?: QrsClientOptions): QrsClient {
  return new QrsClient(connection, options);
}
