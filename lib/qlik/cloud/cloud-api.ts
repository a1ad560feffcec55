/**
 * Authenticated Qlik Cloud REST calls: the client's transport plus a bearer token from the token provider, with
 * the provider's "401 → fresh token → retry once" around every call, and cursor paging over `links.next.href`.
 */
import {
  pathOfLink,
  type CloudRequest,
  type CloudResponse,
  type QlikCloudClient,
  type QueryValue,
  type RateLimitPolicy,
} from '#lib/qlik/cloud/cloud-client.ts';
import type { QlikCloudOperation } from '#lib/qlik/cloud/permission-errors.ts';
import type { RateLimitMeter, RateTier } from '#lib/qlik/cloud/rate-tier-pause.ts';
import type { CloudTokenProvider } from '#lib/qlik/cloud/token-provider.ts';

export interface ApiCallOptions {
  operation: QlikCloudOperation;
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
  /** Qlik's rate-limit tier when the method's default is wrong for the endpoint (e.g. `REPORTS_CREATE_TIER`). */
  tier?: RateTier;
  budget?: CloudRequest['budget'];
  meter?: RateLimitMeter;
}

/** The list shape most Qlik Cloud collections share (items, spaces, webhooks, …). */
export interface QlikPage<T> {
  data?: T[];
  links?: { next?: { href: string } | null; self?: { href: string } };
}

export class QlikCloudApi {
  constructor(
    readonly client: QlikCloudClient,
    readonly tokens: CloudTokenProvider,
    /** Callers with a deadline (the connection test) pass a tighter cap than the client's default. */
    private readonly rateLimit?: RateLimitPolicy,
    /** Counts this caller's rate-limit pauses and waits (a connection test's), unless a call brings its own. */
    readonly meter?: RateLimitMeter,
  ) {}

  async request<T>(req: Omit<CloudRequest, 'bearer'>): Promise<CloudResponse<T>> {
    return this.tokens.withToken((bearer) =>
      this.client.request<T>({ rateLimit: this.rateLimit, meter: this.meter, ...req, bearer }),
    );
  }

  /** A binary download (report outputs) with the same token handling as every other call. */
  async download(path: string, options: ApiCallOptions): Promise<{ contentType: string | null; bytes: Buffer }> {
    return this.tokens.withToken((bearer) => this.client.download(path, bearer, options));
  }

  async get<T>(path: string, options: ApiCallOptions): Promise<T> {
    return (await this.request<T>({ method: 'GET', path, ...options })).body;
  }

  async post<T>(path: string, json: unknown, options: ApiCallOptions): Promise<T> {
    return (await this.request<T>({ method: 'POST', path, json, ...options })).body;
  }

  /** JSON Patch (RFC 6902) as Qlik's PATCH endpoints take it; they answer 204. */
  async patch(path: string, operations: JsonPatchOperation[], options: ApiCallOptions): Promise<void> {
    await this.request<unknown>({ method: 'PATCH', path, json: operations, ...options });
  }

  async delete(path: string, options: ApiCallOptions): Promise<void> {
    await this.request<unknown>({ method: 'DELETE', path, ...options });
  }

  /**
   * Yields each page's `data`, following `links.next.href` until Qlik sends none. Each page is its own call,
   * so a token refresh or a 429 wait affects one page, not the whole listing.
   *
   * @example
   *   for await (const apps of api.pages<Item>('/api/v1/items', { operation: 'items.list', query: { resourceType: 'app', limit: 100 } })) { … }
   */
  async *pages<T>(path: string, options: ApiCallOptions & { maxPages?: number }): AsyncGenerator<T[]> {
    let next: string | null = path;
    let query = options.query;
    const seen = new Set<string>();
    for (let page = 0; next && page < (options.maxPages ?? 10_000); page++) {
      const body: QlikPage<T> | undefined = await this.get<QlikPage<T> | undefined>(next, { ...options, query });
      yield body?.data ?? [];
      const href: string | undefined = body?.links?.next?.href;
      // The next link already carries every query parameter; a repeated link would loop forever.
      next = href ? pathOfLink(this.client, href) : null;
      query = undefined;
      if (next && seen.has(next)) break;
      if (next) seen.add(next);
    }
  }
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: unknown;
}
