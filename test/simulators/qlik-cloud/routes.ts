/**
 * The simulator's routes: one table of path pattern, rate-limit tier, required scopes (any of) and handler.
 * Later issues append routes (items, spaces, reports) through `startQlikCloudSimulator({ routes })` instead of
 * editing this file.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SimHttpError, badRequest, forbidden, notFound } from '#test/simulators/qlik-cloud/sim-errors.ts';
import type { QlikCloudState, SimClient, SimToken, SimUser } from '#test/simulators/qlik-cloud/state.ts';
import { WebhookStore, type SimWebhook } from '#test/simulators/qlik-cloud/webhook-store.ts';

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The simulator's origin, for absolute links (`links.next.href`, `Location`). */
  origin: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** A binary body (report downloads). */
  bytes?: Buffer;
}

export interface SimAuth {
  token: SimToken;
  client: SimClient;
  user: SimUser;
}

/**
 * Qlik's rate-limit tiers (`x-qlik-tier` in the specs): `1` for most reads, `2` for writes, and `special:<name>` for an
 * endpoint with a limit of its own (e.g. the Reports API's `POST /api/v1/reports`, limit 10).
 */
export type SimTier = '1' | '2' | `special:${string}`;

export interface SimRoute {
  method: string;
  /** Matched against the path; capture groups become `params`. */
  pattern: RegExp;
  tier: SimTier;
  /** False for `/oauth/token`; every API route needs a bearer token. */
  auth: boolean;
  /** The token must carry at least one of these scopes. */
  scopes?: string[];
  /** The bot user must be TenantAdmin (e.g. reading web integrations, reference §9.8). */
  tenantAdmin?: boolean;
  handle(state: QlikCloudState, req: SimRequest, params: string[], auth: SimAuth | null): SimResponse;
}

const WEBHOOK_SCOPES = ['webhooks'];

export const QLIK_CLOUD_ROUTES: SimRoute[] = [
  {
    method: 'POST',
    pattern: /^\/oauth\/token$/,
    tier: '2',
    auth: false,
    handle: (state, req) => ({ status: 200, json: state.issueToken(tokenInput(req)) }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/users\/me$/,
    tier: '1',
    auth: true,
    // Assumption: the identity call needs the user_default scope (Qlik documents no scope for it).
    scopes: ['user_default'],
    handle: (_state, req, _params, auth) => {
      const location = `${req.origin}/api/v1/users/${auth!.user.id}`;
      return {
        status: 301,
        headers: { location, 'content-type': 'text/html; charset=utf-8' },
        text: `<a href="${location}">Moved Permanently</a>.`,
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/users\/([^/]+)$/,
    tier: '1',
    auth: true,
    scopes: ['user_default'],
    handle: (state, req, [id]) => {
      const user = state.users.get(id!);
      if (!user) throw notFound('USERS-404', 'User not found');
      const { clientId: _clientId, ...rest } = user;
      return { status: 200, json: { ...rest, links: { self: { href: `${req.origin}/api/v1/users/${user.id}` } } } };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/webhooks$/,
    tier: '1',
    auth: true,
    scopes: WEBHOOK_SCOPES,
    handle: listWebhooks,
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/webhooks$/,
    tier: '2',
    auth: true,
    scopes: WEBHOOK_SCOPES,
    handle: (state, req, _params, auth) => ({
      status: 201,
      json: WebhookStore.toResponse(state.webhooks.create(parseJson(req), actor(auth))),
    }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/webhooks\/([^/]+)$/,
    tier: '1',
    auth: true,
    scopes: WEBHOOK_SCOPES,
    handle: (state, _req, [id]) => ({ status: 200, json: WebhookStore.toResponse(state.webhooks.get(id!)) }),
  },
  {
    method: 'PATCH',
    pattern: /^\/api\/v1\/webhooks\/([^/]+)$/,
    tier: '2',
    auth: true,
    scopes: WEBHOOK_SCOPES,
    handle: (state, req, [id], auth) => {
      state.webhooks.patch(id!, parseJson(req), actor(auth));
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/v1\/webhooks\/([^/]+)$/,
    tier: '2',
    auth: true,
    scopes: WEBHOOK_SCOPES,
    handle: (state, _req, [id]) => {
      state.webhooks.delete(id!);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/web-integrations\/([^/]+)$/,
    tier: '1',
    auth: true,
    tenantAdmin: true,
    handle: (state, _req, [id]) => {
      const integration = state.webIntegrations.get(decodeURIComponent(id!));
      if (!integration) throw notFound('WEBINTEGRATIONS_NOT_FOUND', 'Not found');
      return { status: 200, json: integration };
    },
  },
];

/** The tier of the route that answers `method path`, or null when no route does. */
export function tierOfRoute(routes: SimRoute[], method: string, path: string): SimTier | null {
  return routes.find((r) => r.method === method && r.pattern.test(path))?.tier ?? null;
}

/** Runs one request through the route table: tier budget, authentication, scopes, handler, error body. */
export function dispatch(state: QlikCloudState, routes: SimRoute[], req: SimRequest): SimResponse {
  try {
    const candidates = routes.filter((r) => r.pattern.test(req.path));
    if (candidates.length === 0) throw notFound();
    const route = candidates.find((r) => r.method === req.method);
    if (!route) throw new SimHttpError(405, 'HTTP-405', 'Method Not Allowed');
    state.chargeTier(route.tier);
    let auth: SimAuth | null = null;
    if (route.auth) {
      auth = state.authenticate(header(req.headers, 'authorization'));
      if (route.scopes && !route.scopes.some((s) => auth!.token.scopes.includes(s))) throw forbidden();
      if (route.tenantAdmin && !auth.client.tenantAdmin) throw forbidden();
    }
    const params = (route.pattern.exec(req.path) ?? []).slice(1);
    return route.handle(state, req, params, auth);
  } catch (error) {
    if (error instanceof SimHttpError) return { status: error.status, headers: error.headers, json: error.body() };
    throw error;
  }
}

function listWebhooks(state: QlikCloudState, req: SimRequest): SimResponse {
  const q = req.query;
  const limitText = q.get('limit') ?? '20';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest('limit must be an integer from 1 to 100');
  let list = state.webhooks.all();
  const name = q.get('name');
  const url = q.get('url');
  if (name) list = list.filter((w) => wildcardMatch(w.name, name));
  if (url) list = list.filter((w) => wildcardMatch(w.url, url));
  if (q.has('enabled')) list = list.filter((w) => String(w.enabled) === q.get('enabled'));
  if (q.get('level')) list = list.filter((w) => w.level === q.get('level'));
  const eventTypes = q.get('eventTypes')?.split(',').filter(Boolean);
  if (eventTypes?.length) list = list.filter((w) => eventTypes.every((t) => w.eventTypes.includes(t)));
  list = sortWebhooks(list, q.get('sort') ?? '-createdAt');
  const offset = q.get('next') ? Number(Buffer.from(q.get('next')!, 'base64url').toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw badRequest('invalid next cursor');
  const page = list.slice(offset, offset + limit);
  const self = `${req.origin}${req.path}${q.toString() ? `?${q}` : ''}`;
  const links: Record<string, { href: string }> = { self: { href: self } };
  if (offset + limit < list.length) {
    const nextQuery = new URLSearchParams(q);
    nextQuery.set('next', Buffer.from(String(offset + limit)).toString('base64url'));
    links.next = { href: `${req.origin}${req.path}?${nextQuery}` };
  }
  return { status: 200, json: { data: page.map((w) => WebhookStore.toResponse(w)), links } };
}

function sortWebhooks(list: SimWebhook[], sort: string): SimWebhook[] {
  const descending = sort.startsWith('-');
  const field = sort.replace(/^[+-]/, '') as 'name' | 'url' | 'createdAt' | 'updatedAt';
  if (!['name', 'url', 'createdAt', 'updatedAt'].includes(field)) throw badRequest(`cannot sort by ${sort}`);
  // Ties keep creation order so paging is stable.
  return [...list].sort((a, b) => (descending ? -1 : 1) * a[field].localeCompare(b[field]));
}

/** Qlik's name and url filters are case-insensitive wildcard matches; without `*` they match a substring. */
function wildcardMatch(value: string, pattern: string): boolean {
  const lower = pattern.toLowerCase();
  if (!lower.includes('*')) return value.toLowerCase().includes(lower);
  const regex = new RegExp(
    `^${lower
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(value.toLowerCase());
}

/** The token endpoint takes JSON or a form body, and client credentials in the body or as HTTP Basic. */
function tokenInput(req: SimRequest): Record<string, string | undefined> {
  const type = header(req.headers, 'content-type') ?? '';
  let input: Record<string, string | undefined>;
  if (type.includes('json')) {
    const parsed = parseJson(req);
    if (!parsed || typeof parsed !== 'object') throw badRequest('the body must be an object');
    input = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
  } else if (type.includes('x-www-form-urlencoded')) {
    input = Object.fromEntries(new URLSearchParams(req.body));
  } else {
    throw badRequest('unsupported content type');
  }
  const basic = /^Basic (.+)$/i.exec(header(req.headers, 'authorization') ?? '')?.[1];
  if (basic && !input.client_id) {
    const [id, secret] = Buffer.from(basic, 'base64').toString().split(':');
    input.client_id = decodeURIComponent(id ?? '');
    input.client_secret = decodeURIComponent(secret ?? '');
  }
  return input;
}

function parseJson(req: SimRequest): unknown {
  try {
    return JSON.parse(req.body);
  } catch {
    throw badRequest('the body is not valid JSON');
  }
}

function actor(auth: SimAuth | null) {
  return { userId: auth!.user.id, tenantAdmin: auth!.client.tenantAdmin };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
