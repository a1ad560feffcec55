/**
 * The Qlik Repository routes of the settings API (added through `extraRoutes`):
 *   POST /api/servers/{id}/sync  -> 202 {status: 'running', startedAt}; 409 when running or not configured.
 *   GET  /api/servers/{id}/apps?limit=&cursor=&q=  -> 200 {apps: [App], nextCursor}
 */
import { auditContextOf } from '#lib/audit/audit-context.ts';
import type { AuditLog } from '#lib/audit/audit-log.ts';
import { recordAudit } from '#lib/audit/record-audit.ts';
import { ValidationError } from '#lib/errors.ts';
import { limitParameter } from '#lib/api/query-limit.ts';
import { json } from '#lib/api/problem.ts';
import { serverIdFrom, type ApiRoute } from '#lib/api/api-handler.ts';
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { logger } from '#lib/observability/logger.ts';
import type { AppCatalog, LastReload, NamedRef, StoredApp } from '#lib/repository/app-catalog.ts';
import type { AppSyncService } from '#lib/repository/app-sync-service.ts';
import type { SyncTrigger } from '#lib/repository/sync-trigger.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

export const DEFAULT_APPS_LIMIT = 50;
export const MAX_APPS_LIMIT = 200;
const MAX_QUERY_LENGTH = 200;

/** The contract's App: `stream` on-premise, `space` in Qlik Cloud. */
export type AppView = {
  id: string;
  name: string;
  owner: string | null;
  published: boolean;
  publishTime: string | null;
  lastReload: LastReload | null;
  modifiedAt: string | null;
  syncedAt: string | null;
} & ({ stream: NamedRef | null } | { space: NamedRef | null });

export interface RepositoryApiDeps {
  catalog: AppCatalog;
  sync: AppSyncService;
  trigger: SyncTrigger;
  audit: AuditLog;
}

export function repositoryRoutes(deps: RepositoryApiDeps): ApiRoute[] {
  return [
    {
      route: 'POST /api/servers/{id}/sync',
      handler: async (event: JsonEvent) => {
        const context = auditContextOf(event);
        const request = await deps.sync.start(serverIdFrom(event), context);
        try {
          await deps.trigger.start(request);
        } catch (error) {
          await deps.sync.abandon(request, error);
          throw error;
        }
        logger.info('App sync started', { serverId: request.serverId, runId: request.runId });
        await recordAudit(deps.audit, {
          ...context,
          action: 'sync.started',
          serverId: request.serverId,
          changes: [],
          result: 'running',
        });
        return json(202, { status: 'running', startedAt: request.startedAt });
      },
    },
    {
      route: 'GET /api/servers/{id}/apps',
      handler: async (event: JsonEvent) => {
        const serverId = serverIdFrom(event);
        const query = event.queryStringParameters ?? {};
        const page = await deps.catalog.listApps(serverId, {
          limit: limitParameter(query.limit, { default: DEFAULT_APPS_LIMIT, max: MAX_APPS_LIMIT }),
          cursor: query.cursor || null,
          nameContains: parseQuery(query.q),
        });
        return json(200, { apps: page.apps.map((app) => toAppView(serverId, app)), nextCursor: page.nextCursor });
      },
    },
  ];
}

export function toAppView(serverId: ServerId, app: StoredApp): AppView {
  const common = {
    id: app.appId,
    name: app.name,
    owner: app.owner ?? null,
    published: app.published,
    publishTime: app.publishTime ?? null,
    lastReload: app.lastReload ?? null,
    modifiedAt: app.modifiedAt ?? null,
    syncedAt: app.syncedAt ?? null,
  };
  return serverId === 'onprem' ? { ...common, stream: app.group ?? null } : { ...common, space: app.group ?? null };
}

function parseQuery(value: string | undefined): string | null {
  if (value === undefined || value.trim() === '') return null;
  if (value.length > MAX_QUERY_LENGTH)
    throw new ValidationError([
      { field: 'q', message: `The name filter is limited to ${MAX_QUERY_LENGTH} characters.` },
    ]);
  return value;
}
