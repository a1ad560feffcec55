/**
 * The one HTTP client for Qlik Cloud: an undici Pool with keep-alive per tenant origin per container (a Lambda
 * container reuses its TLS connections across invocations), JSON in and out, same-origin redirects (Qlik answers
 * `/api/v1/users/me` with a 301), and Qlik's error body kept in typed errors. It knows nothing about tokens:
 * `cloud-api.ts` adds the bearer and the 401 retry.
 *
 * Rate limits: every request belongs to a tier (`tier` on the call, else Tier 1 for a GET and Tier 2 otherwise).
 * A `429` pauses that whole tier for every caller of the tenant in this container (`rate-tier-pause.ts`, which cites
 * Qlik's documentation); each try of each request first waits for its tier to be open, then for the caller's
 * `budget` slot if it has one, so the client-side budget and the pause work together. A caller's `rateLimit`
 * policy caps its own tries and total wait: a pause that would outlast it fails the call at once, unsent.
 *
 * Trust: production uses Node's trust store (which includes NODE_EXTRA_CA_CERTS, read once at process start, so
 * child processes started with it trust a test CA). In-process tests cannot change that store after start, so
 * they pass `ca` (or a whole `dispatcher`, e.g. undici's MockAgent) in the options, or call
 * `setDefaultCloudClientOptions({ ca })` once, which also covers code paths (handlers) that take no options.
 */
import { createHash } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import { pinnedConnector } from '#lib/qlik/pinned-connector.ts';
import { safeTraceId } from '#lib/qlik/foreign-text.ts';
import { KIB, MIB, readCappedBytes, readCappedText, ResponseTooLargeError } from '#lib/qlik/response-size.ts';
import {
  networkErrorCode,
  parseQlikErrorBody,
  QlikCloudApiError,
  QlikCloudNetworkError,
  QlikCloudRateLimitError,
  QlikCloudResponseError,
} from '#lib/qlik/cloud/cloud-errors.ts';
import type { QlikCloudOperation } from '#lib/qlik/cloud/permission-errors.ts';
import {
  clearRateTierPauses,
  defaultRateTier,
  RateTierPauses,
  rateTierPausesFor,
  sleep,
  TierPausedTooLong,
  type RateLimitMeter,
  type RateTier,
} from '#lib/qlik/cloud/rate-tier-pause.ts';

export interface RateLimitPolicy {
  /** Total tries of one call, the first included. */
  maxAttempts: number;
  /** Sum of all waits for one call; a tier pause (`Retry-After`) that would exceed it fails at once instead of sleeping. */
  maxTotalWaitMs: number;
}

/** Tier 1/2 limits are evaluated over 5-minute windows, so a sync can afford to wait about a minute. */
export const DEFAULT_RATE_LIMIT: RateLimitPolicy = { maxAttempts: 6, maxTotalWaitMs: 60_000 };

export interface CloudClientOptions {
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. For tests and private PKI. */
  ca?: string | string[];
  /** Use this dispatcher instead of a pooled one (tests: undici MockAgent). */
  dispatcher?: Dispatcher;
}

const CONNECT_TIMEOUT_MS = 8_000;
/** Time to the response headers and between body chunks; the callers' abort signals bound the whole call. */
const REQUEST_TIMEOUT_MS = 15_000;

export type QueryValue = string | number | boolean | null | undefined;

export interface CloudRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the tenant origin, optionally with a query string (e.g. a `links.next.href` path). */
  path: string;
  query?: Record<string, QueryValue>;
  json?: unknown;
  bearer?: string;
  /** Which call this is, so a 403 can be explained by what the call needs. */
  operation?: QlikCloudOperation;
  signal?: AbortSignal;
  /** Same-origin redirects of GETs are followed unless this is false. */
  followRedirects?: boolean;
  /** When false, an error status is returned instead of thrown (the reachability probe reads it). */
  throwOnHttpError?: boolean;
  rateLimit?: RateLimitPolicy;
  /** Qlik's rate-limit tier of this endpoint; defaults to `defaultRateTier(method)`. */
  tier?: RateTier;
  /** A client-side budget this caller keeps to; one slot is taken per try, after the tier's pause. */
  budget?: { take(signal?: AbortSignal): Promise<void> };
  /** Counts this caller's pauses, 429s and waits (see `RateLimitMeter`). */
  meter?: RateLimitMeter;
}

export interface CloudResponse<T> {
  status: number;
  headers: Record<string, string>;
  contentType: string | null;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: T;
  /** Raw text, kept only when the body is not JSON (the probe looks at it). */
  text: string | null;
  /** The path that finally answered, after redirects. */
  path: string;
}

/**
 * The largest answer each call may give, by operation: a page of 100 items or spaces is well under a megabyte, the
 * token and the anonymous probe are tiny. Anything larger is not the Qlik Cloud API answering.
 */
const CLOUD_RESPONSE_LIMITS: Partial<Record<QlikCloudOperation, number>> = {
  'oauth.token': 64 * KIB,
  probe: 64 * KIB,
  'users.me': 256 * KIB,
  'webIntegrations.read': 256 * KIB,
  'items.list': 16 * MIB,
  'spaces.list': 8 * MIB,
  'webhooks.list': 4 * MIB,
  /** A report export's output (PNG, PDF or xlsx): the file itself, so far larger than any JSON answer. */
  'reports.download': 64 * MIB,
};
const DEFAULT_CLOUD_RESPONSE_LIMIT = 1 * MIB;

export function cloudResponseLimit(operation: QlikCloudOperation | undefined): number {
  return (operation && CLOUD_RESPONSE_LIMITS[operation]) || DEFAULT_CLOUD_RESPONSE_LIMIT;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TRANSIENT = new Set([502, 503, 504]);
const MAX_REDIRECTS = 3;
/** One quick retry absorbs a load balancer hiccup; anything longer is Qlik's outage and should be reported. */
const TRANSIENT_RETRY_DELAY_MS = 250;

export class QlikCloudClient {
  readonly host: string;

  constructor(
    readonly origin: string,
    private readonly dispatcher: Dispatcher,
    /** The tenant's tier pauses; clients of one tenant share them (`getCloudClient`). */
    readonly pauses: RateTierPauses = new RateTierPauses(),
  ) {
    this.host = new URL(origin).host;
  }

  async getJson<T>(path: string, init: Omit<CloudRequest, 'method' | 'path'> = {}): Promise<T> {
    return (await this.request<T>({ ...init, method: 'GET', path })).body;
  }

  async sendJson<T>(
    method: CloudRequest['method'],
    path: string,
    json: unknown,
    init: Omit<CloudRequest, 'method' | 'path' | 'json'> = {},
  ): Promise<T> {
    return (await this.request<T>({ ...init, method, path, json })).body;
  }

  async request<T>(req: CloudRequest): Promise<CloudResponse<T>> {
    const policy = req.rateLimit ?? DEFAULT_RATE_LIMIT;
    const tier = req.tier ?? defaultRateTier(req.method);
    let path = withQuery(req.path, req.query);
    let attempts = 0;
    let waitedMs = 0;
    let redirects = 0;
    let transientRetried = false;
    let limited: { answer: CloudResponse<unknown>; retryAfterMs: number | null } | null = null;
    for (;;) {
      try {
        waitedMs += await this.admit(req, tier, policy.maxTotalWaitMs - waitedMs);
      } catch (error) {
        if (!(error instanceof TierPausedTooLong)) throw error;
        const init = limited ? this.errorInit(req, path, limited.answer) : this.pausedErrorInit(req, path);
        throw new QlikCloudRateLimitError(
          init,
          attempts,
          Math.round(waitedMs + error.waitedMs),
          limited?.retryAfterMs ?? Math.ceil(error.remainingMs),
          'wait',
        );
      }
      attempts++;
      const answer = await this.send(req, path, tier);
      const { status, headers } = answer;
      if (REDIRECTS.has(status) && req.method === 'GET' && req.followRedirects !== false) {
        path = this.redirectTarget(req, path, headers.location, ++redirects, answer);
        continue;
      }
      if (status === 429) {
        // `send` has paused the tier already; the next try waits for it in `admit`, with every other caller's.
        limited = { answer, retryAfterMs: parseRetryAfter(headers['retry-after']) };
        if (attempts >= policy.maxAttempts) {
          throw new QlikCloudRateLimitError(
            this.errorInit(req, path, answer),
            attempts,
            Math.round(waitedMs),
            limited.retryAfterMs,
            'attempts',
          );
        }
        continue;
      }
      if (TRANSIENT.has(status) && !transientRetried && isRetryable(req)) {
        transientRetried = true;
        await sleep(TRANSIENT_RETRY_DELAY_MS, req.signal);
        continue;
      }
      if (status >= 400) {
        if (req.throwOnHttpError === false) return answer as CloudResponse<T>;
        throw new QlikCloudApiError(this.errorInit(req, path, answer));
      }
      return answer as CloudResponse<T>;
    }
  }

  /**
   * GETs a binary body (a report's `temp-contents` download) with the bearer token. Same-origin only, like every
   * call of this client; an error status throws the same typed error as JSON calls.
   */
  async download(
    path: string,
    bearer: string,
    options: { signal?: AbortSignal; operation?: QlikCloudOperation } = {},
  ): Promise<{ contentType: string | null; bytes: Buffer }> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        origin: this.origin,
        path,
        method: 'GET',
        headers: { accept: '*/*', authorization: `Bearer ${bearer}` },
        signal: options.signal,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new QlikCloudNetworkError('GET', stripQuery(path), this.host, networkErrorCode(error), { cause: error });
    }
    const headers = flattenHeaders(response.headers);
    let bytes: Buffer;
    try {
      // A report's output can be large (tens of MiB), so `reports.download` has a cap of its own (CLOUD_RESPONSE_LIMITS).
      bytes = await readCappedBytes(response, cloudResponseLimit(options.operation));
    } catch (error) {
      if (!(error instanceof ResponseTooLargeError)) throw error;
      throw new QlikCloudResponseError(
        'GET',
        stripQuery(path),
        response.statusCode,
        headers['content-type'] ?? null,
        error.message,
      );
    }
    const contentType = headers['content-type'] ?? null;
    if (response.statusCode >= 300) {
      const answer = {
        status: response.statusCode,
        headers,
        contentType,
        body: undefined,
        text: bytes.toString('utf8'),
        path,
      };
      throw new QlikCloudApiError(this.errorInit({ method: 'GET', path, operation: options.operation }, path, answer));
    }
    return { contentType, bytes };
  }

  /**
   * Before each try: the tier's pause, then the caller's budget slot, then the pause again in case a 429 paused the
   * tier while the caller waited for its budget. Throws TierPausedTooLong when a pause would outlast `maxWaitMs`.
   */
  private async admit(req: CloudRequest, tier: RateTier, maxWaitMs: number): Promise<number> {
    const options = { signal: req.signal, meter: req.meter };
    let waited = await this.pauses.wait(tier, { ...options, maxWaitMs });
    if (!req.budget) return waited;
    await req.budget.take(req.signal);
    waited += await this.pauses.wait(tier, { ...options, maxWaitMs: maxWaitMs - waited });
    return waited;
  }

  private async send(req: CloudRequest, path: string, tier: RateTier): Promise<CloudResponse<unknown>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    if (req.bearer) headers.authorization = `Bearer ${req.bearer}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        origin: this.origin,
        path,
        method: req.method,
        headers,
        body,
        signal: req.signal,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
    } catch (error) {
      if (req.signal?.aborted) throw error;
      throw new QlikCloudNetworkError(req.method, stripQuery(path), this.host, networkErrorCode(error), {
        cause: error,
      });
    }
    const flat = flattenHeaders(response.headers);
    // Pause the tier the moment the status line is in, before the body is read: a request another caller would
    // start meanwhile would go into the block.
    if (response.statusCode === 429) this.pauses.pause(tier, parseRetryAfter(flat['retry-after']), req.meter);
    else this.pauses.settle(tier);
    const contentType = flat['content-type'] ?? null;
    let text: string;
    try {
      text = await readCappedText(response, cloudResponseLimit(req.operation));
    } catch (error) {
      if (!(error instanceof ResponseTooLargeError)) throw error;
      throw new QlikCloudResponseError(req.method, stripQuery(path), response.statusCode, contentType, error.message);
    }
    let parsed: unknown;
    let isJson = false;
    if (text && contentType?.includes('json')) {
      try {
        parsed = JSON.parse(text);
        isJson = true;
      } catch {
        // A body that claims JSON but is not stays available as text for the caller's diagnosis.
      }
    }
    return { status: response.statusCode, headers: flat, contentType, body: parsed, text: isJson ? null : text, path };
  }

  private redirectTarget(
    req: CloudRequest,
    from: string,
    location: string | undefined,
    count: number,
    answer: CloudResponse<unknown>,
  ): string {
    if (!location)
      throw new QlikCloudResponseError(
        req.method,
        stripQuery(from),
        answer.status,
        answer.contentType,
        'a redirect without a Location header',
      );
    if (count > MAX_REDIRECTS)
      throw new QlikCloudResponseError(
        req.method,
        stripQuery(from),
        answer.status,
        answer.contentType,
        'too many redirects',
      );
    const target = new URL(location, this.origin + from);
    // The bearer token goes with the request: never follow a redirect to another origin.
    if (normalizeOrigin(target) !== this.origin) {
      throw new QlikCloudResponseError(
        req.method,
        stripQuery(from),
        answer.status,
        answer.contentType,
        'a redirect to another host',
      );
    }
    return target.pathname + target.search;
  }

  /** A call refused before sending because another caller's 429 paused its tier: no answer of its own to quote. */
  private pausedErrorInit(req: CloudRequest, path: string) {
    return {
      method: req.method,
      path: stripQuery(path),
      status: 429,
      errors: [],
      traceId: null,
      contentType: null,
      operation: req.operation ?? null,
    };
  }

  private errorInit(req: CloudRequest, path: string, answer: CloudResponse<unknown>) {
    const { errors, traceId } = parseQlikErrorBody(answer.text ?? JSON.stringify(answer.body ?? null));
    return {
      method: req.method,
      path: stripQuery(path),
      status: answer.status,
      errors,
      traceId: traceId ?? safeTraceId(answer.headers['x-request-id']),
      contentType: answer.contentType,
      operation: req.operation ?? null,
    };
  }
}

/**
 * The tenant's page links may name the origin with an explicit `:443`; this resolves an href (absolute or not)
 * to a path on this client's origin, refusing links to any other host.
 */
export function pathOfLink(client: QlikCloudClient, href: string): string {
  const url = new URL(href, client.origin);
  if (normalizeOrigin(url) !== client.origin) throw new Error('Qlik returned a page link to another host.');
  return url.pathname + url.search;
}

const pools = new Map<string, { client: QlikCloudClient; pool: Pool }>();
let defaults: CloudClientOptions = {};

/**
 * The client for a tenant origin, shared by every caller in this container (one keep-alive pool per origin).
 *
 * @example
 *   const client = getCloudClient('https://acme.eu.qlikcloud.com');
 *   const user = await client.getJson('/api/v1/users/me', { bearer });
 */
export function getCloudClient(tenantUrl: string, options: CloudClientOptions = {}): QlikCloudClient {
  const origin = normalizeOrigin(new URL(tenantUrl));
  const merged = { ...defaults, ...options };
  // An injected dispatcher (a test's MockAgent) is a world of its own, with pauses of its own.
  if (merged.dispatcher) return new QlikCloudClient(origin, merged.dispatcher);
  const extraCa = merged.ca === undefined ? [] : Array.isArray(merged.ca) ? merged.ca : [merged.ca];
  const trust = extraCa.length ? createHash('sha256').update(extraCa.join('\n')).digest('hex') : 'system';
  const key = `${origin}|${trust}`;
  let entry = pools.get(key);
  if (!entry) {
    const pool = new Pool(origin, {
      connections: 8,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      // Every connection goes through the destination policy, which pins the address it checked.
      connect: pinnedConnector('cloud', {
        timeout: CONNECT_TIMEOUT_MS,
        ...(extraCa.length ? { secureContext: secureContextFor(trust, extraCa) } : {}),
      }),
    });
    entry = { client: new QlikCloudClient(origin, pool, rateTierPausesFor(origin)), pool };
    pools.set(key, entry);
  }
  return entry.client;
}

const secureContexts = new Map<string, SecureContext>();

/**
 * `ca` replaces Node's default roots, so the bundled ones are kept beside the extra CA. The context is built once
 * per CA set and reused by every connection: parsing ~150 roots costs tens of milliseconds each time.
 */
function secureContextFor(trust: string, extraCa: string[]): SecureContext {
  let context = secureContexts.get(trust);
  if (!context) {
    context = createSecureContext({ ca: [...rootCertificates, ...extraCa] });
    secureContexts.set(trust, context);
  }
  return context;
}

/** Options applied to every client created afterwards (tests: trust the simulator's CA). */
export function setDefaultCloudClientOptions(options: CloudClientOptions): void {
  defaults = { ...options };
}

/** Closes every pooled connection and opens every paused tier (tests, and a graceful shutdown of the local runtime). */
export async function closeCloudClients(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  clearRateTierPauses();
  await Promise.all(all.map(({ pool }) => pool.close().catch(() => undefined)));
}

/** `Retry-After` is delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function normalizeOrigin(url: URL): string {
  // URL drops a default port already; this also lower-cases the host and drops any path.
  return `${url.protocol}//${url.host}`.toLowerCase();
}

function withQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null) params.set(key, String(value));
  const qs = params.toString();
  if (!qs) return path;
  return path + (path.includes('?') ? '&' : '?') + qs;
}

function stripQuery(path: string): string {
  const i = path.indexOf('?');
  return i === -1 ? path : path.slice(0, i);
}

/** GET, PUT and DELETE are idempotent; the token POST is safe to repeat too (it only issues another token). */
function isRetryable(req: CloudRequest): boolean {
  return req.method === 'GET' || req.method === 'PUT' || req.method === 'DELETE' || req.operation === 'oauth.token';
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers))
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
