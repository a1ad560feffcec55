/**
 * OAuth2 machine-to-machine tokens for Qlik Cloud (`POST <tenant>/oauth/token`, grant `client_credentials`).
 *
 * - One token per container and client, reused until shortly before it expires: `/oauth/token` is Tier 2
 *   (100 calls/min) and every new token is a bot-user sign-in, so asking once per lifetime matters.
 * - Concurrent callers share one in-flight request (single flight).
 * - `withToken` drops a token that an API call rejects with 401 and retries that call once, and only once: a
 *   token can die early (revoked, client secret rotated), but a second 401 means something else is wrong.
 * The secret and every token are registered with the logger so they are masked wherever they might appear.
 */
import { createHash } from 'node:crypto';
import { registerSecretValue } from '#lib/observability/logger.ts';
import { QlikCloudApiError, QlikCloudResponseError } from '#lib/qlik/cloud/cloud-errors.ts';
import type { QlikCloudClient, RateLimitPolicy } from '#lib/qlik/cloud/cloud-client.ts';

interface CachedToken {
  accessToken: string;
  /** When we stop using it (before Qlik's expiry, by the refresh margin). */
  refreshAtMs: number;
}

interface TokenResponse {
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
  expires_at?: unknown;
}

export interface TokenProviderOptions {
  /**
   * Space-separated scopes to ask for. Unset by default: the token then carries every scope assigned to the
   * client, so a missing scope shows up as a 403 on the call that needs it, which we can name (asking for a
   * scope the client lacks would fail the token request without saying which scope).
   */
  scope?: string;
  /** Injected clock (benchmarks simulate an hour of use). */
  now?: () => number;
}

/**
 * The token request is shared by every caller (single flight), whatever their deadlines, so it has one cap of its
 * own: a rate limit on the token endpoint that lasts longer than this is reported rather than waited out.
 */
const TOKEN_RATE_LIMIT: RateLimitPolicy = { maxAttempts: 3, maxTotalWaitMs: 8_000 };
/** When Qlik states no lifetime, assume a short one; a 401 would also trigger a refresh. */
const UNKNOWN_LIFETIME_MS = 30 * 60_000;
/** Refresh this long before expiry (or at 90 % of a short lifetime), so a token never dies in flight. */
const MAX_REFRESH_MARGIN_MS = 60_000;

export class CloudTokenProvider {
  private cached: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;
  private readonly now: () => number;
  /** Token requests sent by this provider (the benchmark counts them). */
  tokenRequests = 0;

  constructor(
    private readonly client: QlikCloudClient,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly options: TokenProviderOptions = {},
  ) {
    registerSecretValue(clientSecret);
    this.now = options.now ?? Date.now;
  }

  /** A valid access token: the cached one, the one being fetched, or a new one. */
  async getToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAtMs) return this.cached.accessToken;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = null;
    });
    return (await this.inflight).accessToken;
  }

  /** Forgets `token` if it is still the cached one (a newer token fetched meanwhile is kept). */
  invalidate(token: string): void {
    if (this.cached?.accessToken === token) this.cached = null;
  }

  /**
   * Runs `call` with a token; on a 401 drops that token and runs `call` once more with a fresh one.
   *
   * @example
   *   const me = await tokens.withToken((bearer) => client.getJson('/api/v1/users/me', { bearer }));
   */
  async withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.getToken();
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof QlikCloudApiError) || error.status !== 401) throw error;
      this.invalidate(token);
      return await call(await this.getToken());
    }
  }

  private async fetchToken(): Promise<CachedToken> {
    this.tokenRequests++;
    const requestedAt = this.now();
    const body: Record<string, string> = {
      client_id: this.clientId,
      client_secret: this.clientSecret,
      grant_type: 'client_credentials',
    };
    if (this.options.scope) body.scope = this.options.scope;
    const response = await this.client.request<TokenResponse | undefined>({
      method: 'POST',
      path: '/oauth/token',
      json: body,
      operation: 'oauth.token',
      rateLimit: TOKEN_RATE_LIMIT,
    });
    const data = response.body ?? {};
    const fail = (problem: string) =>
      new QlikCloudResponseError('POST', '/oauth/token', response.status, response.contentType, problem);
    if (typeof data.access_token !== 'string' || data.access_token === '')
      throw fail('no access_token in the token response');
    registerSecretValue(data.access_token);
    // Qlik's docs show both "bearer" and "Bearer".
    if (typeof data.token_type !== 'string' || data.token_type.toLowerCase() !== 'bearer')
      throw fail('the token is not a bearer token');
    const lifetimeMs = lifetimeOf(data, requestedAt);
    const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 10);
    // Measured from when we asked, not when the answer came, so network time only makes us refresh earlier.
    const cached = { accessToken: data.access_token, refreshAtMs: requestedAt + lifetimeMs - margin };
    this.cached = cached;
    return cached;
  }
}

/** `expires_in` (seconds) when present, else `expires_at` (ISO date), else a conservative default. */
function lifetimeOf(data: TokenResponse, requestedAt: number): number {
  const expiresIn = typeof data.expires_in === 'string' ? Number(data.expires_in) : data.expires_in;
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) return expiresIn * 1000;
  if (typeof data.expires_at === 'string') {
    const at = Date.parse(data.expires_at);
    if (!Number.isNaN(at) && at > requestedAt) return at - requestedAt;
  }
  return UNKNOWN_LIFETIME_MS;
}

/** Per client (one per origin and trust per container), then per OAuth client, secret and scope. */
let providers = new WeakMap<QlikCloudClient, Map<string, CloudTokenProvider>>();

/**
 * The container-wide token provider for a tenant and OAuth client. The key also holds a hash of the secret, so a
 * test of a draft with a new secret never reuses a token that the old secret earned.
 */
export function cloudTokenProvider(
  client: QlikCloudClient,
  clientId: string,
  clientSecret: string,
  options: TokenProviderOptions = {},
): CloudTokenProvider {
  const secretHash = createHash('sha256').update(clientSecret).digest('hex').slice(0, 16);
  const key = `${clientId}|${secretHash}|${options.scope ?? ''}`;
  let perClient = providers.get(client);
  if (!perClient) providers.set(client, (perClient = new Map()));
  let provider = perClient.get(key);
  if (!provider) {
    provider = new CloudTokenProvider(client, clientId, clientSecret, options);
    perClient.set(key, provider);
  }
  return provider;
}

/** Forgets every cached token (tests; a secret rotation handled elsewhere). */
export function clearCloudTokenCache(): void {
  providers = new WeakMap();
}
