/**
 * The simulated Qlik Cloud tenant, without HTTP: OAuth clients with their scopes, issued tokens, bot users,
 * webhooks, web integrations, and the faults a test can switch on. Routing (`routes.ts`) and the HTTPS server
 * (`server.ts`) sit on top, so later issues add items, spaces or signed deliveries here without touching them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SimHttpError, badRequest, unauthorized } from '#test/simulators/qlik-cloud/sim-errors.ts';
import type { SimTier } from '#test/simulators/qlik-cloud/routes.ts';
import { WebhookStore } from '#test/simulators/qlik-cloud/webhook-store.ts';

export const DEFAULT_SCOPES = [
  'user_default',
  'admin.apps:read',
  'admin.spaces:read',
  'webhooks',
  'apps.report:export',
];

export interface SimClient {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** M2M bot users get TenantAdmin-equivalent rights (reference §1); false simulates a restricted bot. */
  tenantAdmin: boolean;
  consentMethod: 'trusted' | 'required';
  allowedGrantTypes: string[];
}

export interface SimToken {
  accessToken: string;
  clientId: string;
  scopes: string[];
  expiresAtMs: number;
  uses: number;
}

export interface SimUser {
  id: string;
  tenantId: string;
  clientId: string;
  name: string;
  subject: string;
  status: 'active' | 'disabled';
  createdAt: string;
  lastUpdatedAt: string;
  assignedRoles: Array<{ id: string; name: string; type: 'default'; level: 'admin' | 'user' }>;
  assignedGroups: Array<{ id: string; name: string }>;
  assignedScopes: string[];
}

export interface SimWebIntegration {
  id: string;
  name: string;
  tenantId: string;
  validOrigins: string[];
  created: string;
  createdBy: string;
  lastUpdated: string;
}

export interface SimFaults {
  /** Added before every answer (simulates the distance to a real tenant). */
  latencyMs: number;
  /** Up to this much more per answer, drawn from a seeded PRNG (a real tenant's answers do not arrive in lock step). */
  latencyJitterMs: number;
  /** The next `remaining` requests (optionally only those whose path starts with `pathPrefix`) get 429. */
  rateLimitStorm: { remaining: number; retryAfterSeconds: number; pathPrefix?: string } | null;
  /** The next `remaining` token requests fail with `status`. */
  tokenEndpointErrors: { remaining: number; status: number } | null;
  /** Every answer is a plain HTML 404, as from a web server that is not a Qlik tenant. */
  notQlik: boolean;
  /** Each token stops working after this many API calls (0: Qlik rejects every token it issues). */
  tokenUsesBeforeExpiry: number | null;
  /** After this many more authenticated calls, every token issued so far expires, once (a token dying mid-test). */
  expireTokensAfterCalls: number | null;
}

export interface ClientOptions {
  clientId: string;
  clientSecret: string;
  scopes?: string[];
  tenantAdmin?: boolean;
  consentMethod?: 'trusted' | 'required';
  allowedGrantTypes?: string[];
}

export class QlikCloudState {
  readonly tenantId = randomUUID();
  readonly clients = new Map<string, SimClient>();
  readonly tokens = new Map<string, SimToken>();
  readonly users = new Map<string, SimUser>();
  readonly webIntegrations = new Map<string, SimWebIntegration>();
  readonly webhooks: WebhookStore;
  /** `expires_in` of issued tokens (Qlik's documented default is 6 h). */
  tokenLifetimeSeconds = 21_600;
  /**
   * Per-tier request budgets per window (Tier 1: 1,000/min, Tier 2: 100/min in Qlik); null or absent = unlimited.
   * Each tier counts in fixed windows of `tierWindowMs` (or its own entry in `tierWindowsMs`). Once a window's budget
   * is spent, every request of that tier is refused with 429 and `retry-after` until the window ends, as Qlik blocks
   * a whole tier until Retry-After has passed (https://qlik.dev/apis/rest/rate-limiting). Whether a request sent
   * into the block lengthens it is not documented; the simulator does not lengthen it, and refused requests do not
   * count against the next window.
   */
  tierLimits: Partial<Record<SimTier, number | null>> = { '1': null, '2': null };
  tierWindowMs = 60_000;
  tierWindowsMs: Partial<Record<SimTier, number>> = {};
  readonly faults: SimFaults = {
    latencyMs: 0,
    latencyJitterMs: 0,
    rateLimitStorm: null,
    tokenEndpointErrors: null,
    notQlik: false,
    tokenUsesBeforeExpiry: null,
    expireTokensAfterCalls: null,
  };
  /** Token requests answered (any outcome), for counting in tests and benchmarks. */
  tokenRequests = 0;
  private readonly tierUse = new Map<SimTier, { windowStart: number; count: number }>();

  constructor(readonly now: () => number = Date.now) {
    this.webhooks = new WebhookStore(now);
  }

  addClient(options: ClientOptions): SimClient {
    const client: SimClient = {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scopes: options.scopes ?? [...DEFAULT_SCOPES],
      tenantAdmin: options.tenantAdmin ?? true,
      consentMethod: options.consentMethod ?? 'trusted',
      allowedGrantTypes: options.allowedGrantTypes ?? ['client_credentials'],
    };
    this.clients.set(client.clientId, client);
    return client;
  }

  addWebIntegration(validOrigins: string[], name = 'KPImailer'): SimWebIntegration {
    const at = new Date(this.now()).toISOString();
    const integration = {
      id: randomBytes(12).toString('base64url'),
      name,
      tenantId: this.tenantId,
      validOrigins,
      created: at,
      createdBy: 'admin',
      lastUpdated: at,
    };
    this.webIntegrations.set(integration.id, integration);
    return integration;
  }

  /** `POST /oauth/token`. Wrong client ID and wrong secret answer alike, as OAuth servers do. */
  issueToken(input: Record<string, string | undefined>): Record<string, unknown> {
    this.tokenRequests++;
    const fault = this.faults.tokenEndpointErrors;
    if (fault && fault.remaining > 0) {
      fault.remaining--;
      throw new SimHttpError(
        fault.status,
        `HTTP-${fault.status}`,
        fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error',
      );
    }
    if (input.grant_type !== 'client_credentials')
      throw badRequest(`unsupported grant_type ${input.grant_type ?? '(none)'}`);
    const client = input.client_id ? this.clients.get(input.client_id) : undefined;
    if (!client || client.clientSecret !== input.client_secret) {
      throw new SimHttpError(401, 'HTTP-401', 'Unauthorized', 'invalid client credentials');
    }
    if (!client.allowedGrantTypes.includes('client_credentials')) {
      throw new SimHttpError(
        400,
        'HTTP-400',
        'Bad Request',
        'unauthorized_client: grant type client_credentials is not allowed for this client',
      );
    }
    if (client.consentMethod !== 'trusted') {
      throw new SimHttpError(
        403,
        'HTTP-403',
        'Forbidden',
        'consent required: the client is not trusted, so it cannot get a token without user consent',
      );
    }
    const requested = input.scope ? input.scope.split(' ').filter(Boolean) : client.scopes;
    const notAssigned = requested.filter((s) => !client.scopes.includes(s));
    if (notAssigned.length)
      throw new SimHttpError(400, 'HTTP-400', 'Bad Request', 'invalid_scope: the scope must be assigned to the client');
    const user = this.botUser(client);
    const lifetimeMs = this.tokenLifetimeSeconds * 1000;
    const token: SimToken = {
      accessToken: randomBytes(32).toString('base64url'),
      clientId: client.clientId,
      scopes: requested,
      expiresAtMs: this.now() + lifetimeMs,
      uses: 0,
    };
    this.tokens.set(token.accessToken, token);
    user.lastUpdatedAt = new Date(this.now()).toISOString();
    return {
      access_token: token.accessToken,
      token_type: 'bearer',
      expires_in: this.tokenLifetimeSeconds,
      expires_at: new Date(token.expiresAtMs).toISOString(),
      scope: requested.join(' '),
    };
  }

  /** Resolves a bearer token to its client and bot user, counting the use; throws 401 when it is not valid. */
  authenticate(authorization: string | undefined): { token: SimToken; client: SimClient; user: SimUser } {
    const bearer = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    const token = bearer ? this.tokens.get(bearer) : undefined;
    if (!token || token.expiresAtMs <= this.now()) throw unauthorized();
    const limit = this.faults.tokenUsesBeforeExpiry;
    if (limit !== null && token.uses >= limit) throw unauthorized();
    token.uses++;
    const client = this.clients.get(token.clientId);
    if (!client) throw unauthorized();
    if (this.faults.expireTokensAfterCalls !== null && --this.faults.expireTokensAfterCalls <= 0) {
      this.faults.expireTokensAfterCalls = null;
      this.expireAllTokens();
    }
    return { token, client, user: this.botUser(client) };
  }

  /** Every issued token stops working at once (a revoked client, a rotated secret). */
  expireAllTokens(): void {
    for (const token of this.tokens.values()) token.expiresAtMs = 0;
  }

  /** Counts a request against its tier; throws 429 with `retry-after` when the window's budget is spent. */
  chargeTier(tier: SimTier): void {
    const limit = this.tierLimits[tier];
    if (limit === null || limit === undefined) return;
    const windowMs = this.tierWindowsMs[tier] ?? this.tierWindowMs;
    let use = this.tierUse.get(tier);
    if (!use) this.tierUse.set(tier, (use = { windowStart: 0, count: 0 }));
    const now = this.now();
    if (now - use.windowStart >= windowMs) {
      use.windowStart = now;
      use.count = 0;
    }
    if (use.count >= limit) {
      const waitSeconds = Math.max(1, Math.ceil((use.windowStart + windowMs - now) / 1000));
      throw rateLimited(waitSeconds);
    }
    use.count++;
  }

  /** The first token request of an M2M client creates its bot user. */
  private botUser(client: SimClient): SimUser {
    const existing = [...this.users.values()].find((u) => u.clientId === client.clientId);
    if (existing) return existing;
    const at = new Date(this.now()).toISOString();
    const user: SimUser = {
      id: randomBytes(12).toString('hex'),
      tenantId: this.tenantId,
      clientId: client.clientId,
      name: `${client.clientId} (bot)`,
      subject: `qlikbot\\${client.clientId}`,
      status: 'active',
      createdAt: at,
      lastUpdatedAt: at,
      assignedRoles: client.tenantAdmin
        ? [{ id: 'role-tenant-admin', name: 'TenantAdmin', type: 'default', level: 'admin' }]
        : [],
      assignedGroups: [],
      assignedScopes: [],
    };
    this.users.set(user.id, user);
    return user;
  }
}

export function rateLimited(retryAfterSeconds: number): SimHttpError {
  return new SimHttpError(
    429,
    'HTTP-429',
    'API rate limit reached.',
    `You need to wait ${retryAfterSeconds} seconds until limit is lifted.`,
    {
      'retry-after': String(retryAfterSeconds),
    },
  );
}
