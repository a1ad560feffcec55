/**
 * QRS endpoints of the simulated site, with the rules Qlik enforces on them: filters, unique virtual proxy
 * prefix and session cookie header name (400), `modifiedDate` conflicts on PUT (409), full-entity PUTs (left
 * out properties are reset to defaults), body id equal to the URL id. HTTP, TLS and xrfkey live in server.ts.
 */
import { randomUUID } from 'node:crypto';
import {
  newProxyService,
  reloadTaskCondensed,
  virtualProxyCondensed,
  virtualProxyDefaults,
  serverNodeCondensed,
  userCondensed,
  type Entity,
} from './entities.ts';
import { applyFilter, FilterSyntaxError } from './filter.ts';
import { fastAppCount, fastAppTable } from './apps.ts';
import type { RouteResponse } from './http-io.ts';
import type { QlikSenseState } from './state.ts';

export interface RouteRequest {
  method: string;
  /** Path as requested; matched case-insensitively as QRS does. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export type { RouteResponse } from './http-io.ts';

type Handler = (state: QlikSenseState, request: RouteRequest, id: string) => RouteResponse;

const ok = (body: unknown, status = 200): RouteResponse => ({ status, body });
const fail = (status: number, message: string): RouteResponse => ({ status, body: message });
const NOT_FOUND = fail(404, 'Not Found');

/** A list endpoint: filter (400 when it does not parse), then orderby. */
function list(items: Record<string, unknown>[], request: RouteRequest): RouteResponse {
  const filtered = applyFilter(items, request.query.get('filter'));
  const orderBy = request.query.get('orderby')?.trim().split(/\s+/);
  if (orderBy?.[0]) {
    const [key, direction] = orderBy;
    const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
    filtered.sort((a, b) => sign * String(a[key!] ?? '').localeCompare(String(b[key!] ?? '')));
  }
  return ok(filtered);
}

const count = (items: Record<string, unknown>[], request: RouteRequest): RouteResponse =>
  // The spec says a bare integer; some tools read `{ value }`. The client accepts both; we send what the spec says.
  ok(applyFilter(items, request.query.get('filter')).length);

const isObject = (value: unknown): value is Record<string, unknown> =>
  Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/** The checks every PUT of a stored entity goes through: it exists, ids agree, and nobody saved it since it was read. */
function checkPut(
  stored: Entity | undefined,
  body: unknown,
  id: string,
): { error: RouteResponse } | { body: Record<string, unknown> } {
  if (!stored) return { error: NOT_FOUND };
  if (!isObject(body)) return { error: fail(400, 'Request body is missing or is not an entity.') };
  if (body.id !== id) return { error: fail(400, 'The id in the request body does not match the id in the URL.') };
  if (typeof body.modifiedDate !== 'string') return { error: fail(400, 'modifiedDate is required.') };
  if (Date.parse(body.modifiedDate) < Date.parse(stored.modifiedDate)) {
    return { error: fail(409, 'Conflict: the entity has been modified since it was read.') };
  }
  return { body };
}

/** Rules for a virtual proxy body (create or full update); `selfId` is excluded from uniqueness. */
function validateVirtualProxy(
  state: QlikSenseState,
  body: Record<string, unknown>,
  selfId?: string,
): RouteResponse | undefined {
  const prefix = typeof body.prefix === 'string' ? body.prefix : '';
  const cookie = typeof body.sessionCookieHeaderName === 'string' ? body.sessionCookieHeaderName : '';
  if (!cookie) return fail(400, 'sessionCookieHeaderName is required.');
  if (prefix !== prefix.toLowerCase() || !/^[a-z0-9._~-]*$/.test(prefix)) {
    return fail(400, 'The prefix may only contain lowercase letters, digits and - . _ ~');
  }
  for (const other of state.virtualProxies.values()) {
    if (other.id === selfId) continue;
    if (String(other.prefix).toLowerCase() === prefix)
      return fail(400, `A virtual proxy with the prefix '${prefix}' already exists.`);
    if (String(other.sessionCookieHeaderName).toLowerCase() === cookie.toLowerCase()) {
      return fail(400, `The session cookie header name '${cookie}' is already used by another virtual proxy.`);
    }
  }
  const nodes = (body.loadBalancingServerNodes as { id?: string }[] | undefined) ?? [];
  if (nodes.some((n) => !n?.id || !state.serverNodes.has(n.id)))
    return fail(400, 'loadBalancingServerNodes references an unknown server node.');
  return undefined;
}

/** Keeps only spec properties, falls back to defaults for the rest (a full-entity write), stores refs as ids. */
function virtualProxyFrom(body: Record<string, unknown>): Record<string, unknown> {
  const defaults = virtualProxyDefaults();
  const fields = Object.fromEntries(Object.keys(defaults).map((k) => [k, body[k] ?? defaults[k]]));
  fields.loadBalancingServerNodes = ((body.loadBalancingServerNodes as { id: string }[] | undefined) ?? []).map(
    (n) => ({ id: n.id }),
  );
  return fields;
}

const routes: Array<[method: string, pattern: RegExp, handler: Handler]> = [
  ['GET', /^\/qrs\/about$/, (s) => ok(s.about)],

  ['GET', /^\/qrs\/user$/, (s, r) => list([...s.users.values()].map(userCondensed), r)],
  ['GET', /^\/qrs\/user\/full$/, (s, r) => list([...s.users.values()], r)],
  ['GET', /^\/qrs\/user\/count$/, (s, r) => count([...s.users.values()], r)],
  ['GET', /^\/qrs\/user\/([0-9a-f-]{36})$/, (s, _r, id) => (s.users.has(id) ? ok(s.users.get(id)) : NOT_FOUND)],

  ['GET', /^\/qrs\/servernodeconfiguration$/, (s, r) => list([...s.serverNodes.values()].map(serverNodeCondensed), r)],
  ['GET', /^\/qrs\/servernodeconfiguration\/full$/, (s, r) => list([...s.serverNodes.values()], r)],

  [
    'GET',
    /^\/qrs\/virtualproxyconfig$/,
    (s, r) =>
      list(
        [...s.virtualProxies.values()].map((vp) => virtualProxyCondensed(s.renderVirtualProxy(vp))),
        r,
      ),
  ],
  [
    'GET',
    /^\/qrs\/virtualproxyconfig\/full$/,
    (s, r) =>
      list(
        [...s.virtualProxies.values()].map((vp) => s.renderVirtualProxy(vp)),
        r,
      ),
  ],
  [
    'GET',
    /^\/qrs\/virtualproxyconfig\/([0-9a-f-]{36})$/,
    (s, _r, id) => {
      const vp = s.virtualProxies.get(id);
      return vp ? ok(s.renderVirtualProxy(vp)) : NOT_FOUND;
    },
  ],
  [
    'POST',
    /^\/qrs\/virtualproxyconfig$/,
    (s, r) => {
      if (!isObject(r.body)) return fail(400, 'Request body is missing or is not an entity.');
      const invalid = validateVirtualProxy(s, r.body);
      if (invalid) return invalid;
      const now = s.now();
      const vp = {
        id: randomUUID(),
        createdDate: now,
        modifiedDate: now,
        modifiedByUserName: 'INTERNAL\\sa_repository',
        schemaPath: 'VirtualProxyConfig',
        ...virtualProxyFrom(r.body),
      } as Entity;
      s.virtualProxies.set(vp.id, vp);
      return ok(s.renderVirtualProxy(vp), 201);
    },
  ],
  [
    'PUT',
    /^\/qrs\/virtualproxyconfig\/([0-9a-f-]{36})$/,
    (s, r, id) => {
      const stored = s.virtualProxies.get(id);
      const checked = checkPut(stored, r.body, id);
      if ('error' in checked) return checked.error;
      const { body } = checked;
      const invalid = validateVirtualProxy(s, body, id);
      if (invalid) return invalid;
      const updated = { ...stored!, ...virtualProxyFrom(body) } as Entity;
      s.touch(updated);
      s.virtualProxies.set(id, updated);
      return ok(s.renderVirtualProxy(updated));
    },
  ],
  [
    'DELETE',
    /^\/qrs\/virtualproxyconfig\/([0-9a-f-]{36})$/,
    (s, _r, id) => {
      if (!s.virtualProxies.delete(id)) return NOT_FOUND;
      for (const service of s.proxyServices.values()) {
        const settings = service.settings as { virtualProxies: { id: string }[] };
        settings.virtualProxies = settings.virtualProxies.filter((v) => v.id !== id);
      }
      return { status: 204 };
    },
  ],

  [
    'GET',
    /^\/qrs\/proxyservice\/full$/,
    (s, r) =>
      list(
        [...s.proxyServices.values()].map((p) => s.renderProxyService(p)),
        r,
      ),
  ],
  [
    'GET',
    /^\/qrs\/proxyservice\/([0-9a-f-]{36})$/,
    (s, _r, id) => {
      const service = s.proxyServices.get(id);
      return service ? ok(s.renderProxyService(service)) : NOT_FOUND;
    },
  ],
  [
    'PUT',
    /^\/qrs\/proxyservice\/([0-9a-f-]{36})$/,
    (s, r, id) => {
      const stored = s.proxyServices.get(id);
      const checked = checkPut(stored, r.body, id);
      if ('error' in checked) return checked.error;
      const { body } = checked;
      const settings = isObject(body.settings) ? body.settings : {};
      const links = (settings.virtualProxies as { id?: string }[] | undefined) ?? [];
      if (links.some((v) => !v?.id || !s.virtualProxies.has(v.id)))
        return fail(400, 'settings.virtualProxies references an unknown virtual proxy.');
      // Full-entity PUT: settings left out fall back to their defaults.
      const defaults = newProxyService(s.now(), (stored!.serverNodeConfiguration as { id: string }).id);
      const updated = {
        ...stored!,
        tags: body.tags ?? [],
        customProperties: body.customProperties ?? [],
        settings: {
          ...(defaults.settings as object),
          ...settings,
          id: (stored!.settings as Entity).id,
          virtualProxies: links.map((v) => ({ id: v.id })),
        },
      } as Entity;
      s.touch(updated);
      s.proxyServices.set(id, updated);
      return ok(s.renderProxyService(updated));
    },
  ],

  ['GET', /^\/qrs\/stream\/full$/, (s, r) => list([...s.streams.values()], r)],
  [
    'GET',
    /^\/qrs\/app$/,
    (s, r) =>
      list(
        [...s.apps.values()].map((a) => s.renderApp(a, true)),
        r,
      ),
  ],
  [
    'GET',
    /^\/qrs\/app\/full$/,
    (s, r) =>
      list(
        [...s.apps.values()].map((a) => s.renderApp(a)),
        r,
      ),
  ],
  [
    'GET',
    /^\/qrs\/app\/count$/,
    (s, r) =>
      fastAppCount(s, r) ??
      count(
        [...s.apps.values()].map((a) => s.renderApp(a)),
        r,
      ),
  ],
  ['POST', /^\/qrs\/app\/table$/, (s, r) => fastAppTable(s, r) ?? appTable(s, r)],
  [
    'GET',
    /^\/qrs\/reloadtask$/,
    (s, r) =>
      list(
        [...s.reloadTasks.values()].map((t) => reloadTaskCondensed(s.renderReloadTask(t))),
        r,
      ),
  ],
  [
    'GET',
    /^\/qrs\/reloadtask\/full$/,
    (s, r) =>
      list(
        [...s.reloadTasks.values()].map((t) => s.renderReloadTask(t)),
        r,
      ),
  ],
  ['GET', /^\/qrs\/executionresult\/full$/, (s, r) => list([...s.executionResults.values()], r)],
];

/** `POST /qrs/app/table`: the only paged listing QRS has (skip/take), columns by property path. */
function appTable(state: QlikSenseState, request: RouteRequest): RouteResponse {
  const definition = request.body;
  if (!isObject(definition) || !Array.isArray(definition.columns))
    return fail(400, 'A table definition with columns is required.');
  const columns = definition.columns as { name?: string; definition?: string }[];
  if (columns.some((c) => !c.name || /\s/.test(c.name) || !c.definition))
    return fail(400, 'Each column needs a name without spaces and a definition.');
  const listed = list(
    [...state.apps.values()].map((a) => state.renderApp(a)),
    request,
  );
  if (listed.status !== 200) return listed;
  let apps = listed.body as Record<string, unknown>[];
  const sortColumn = request.query.get('sortColumn') ?? request.query.get('sortcolumn');
  if (sortColumn) {
    const ascending = (request.query.get('orderAscending') ?? request.query.get('orderascending')) !== 'false';
    apps = [...apps].sort(
      (a, b) => (ascending ? 1 : -1) * String(valueAt(a, sortColumn)).localeCompare(String(valueAt(b, sortColumn))),
    );
  }
  const skip = Number(request.query.get('skip') ?? 0);
  const take = request.query.has('take') ? Number(request.query.get('take')) : apps.length;
  const rows = apps.slice(skip, skip + take).map((app) => columns.map((c) => valueAt(app, c.definition!)));
  return ok({ schemaPath: 'Table', id: randomUUID(), columnNames: columns.map((c) => c.name), rows }, 201);
}

function valueAt(entity: Record<string, unknown>, path: string): unknown {
  let current: unknown = entity;
  for (const segment of path.split('.')) current = isObject(current) ? current[segment] : undefined;
  return current ?? null;
}

export function route(state: QlikSenseState, request: RouteRequest): RouteResponse {
  const path = request.path.toLowerCase();
  let pathMatched = false;
  for (const [method, pattern, handler] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (method !== request.method) continue;
    try {
      return handler(state, request, match[1] ?? '');
    } catch (error) {
      // What a live QRS answers to a filter it cannot read.
      if (error instanceof FilterSyntaxError)
        return fail(400, `Cannot parse the expression: ${request.query.get('filter') ?? ''}`);
      throw error;
    }
  }
  return pathMatched ? fail(405, 'Method Not Allowed') : NOT_FOUND;
}
