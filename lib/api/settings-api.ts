/**
 * The settings routes (`/api/servers...`, `/api/openapi.json`) of the settings-api function. The function adds the
 * apps, sync and reloads routes of the other domains next to these (functions/settings-api/handler.ts).
 */
import { type ApiRoute, createApiHandler, serverIdFrom } from '#lib/api/api-handler.ts';
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { ValidationError } from '#lib/errors.ts';
import { auditContextOf } from '#lib/audit/audit-context.ts';
import type { AuditLog } from '#lib/audit/audit-log.ts';
import { recordAudit } from '#lib/audit/record-audit.ts';
import { json, noContent } from '#lib/api/problem.ts';
import { logger } from '#lib/observability/logger.ts';
import type { ServerService } from '#lib/servers/server-service.ts';

export interface SettingsApiDeps {
  servers: ServerService;
  /** Where saves and deletes are recorded (the audit trail's port). */
  audit: AuditLog;
  extraRoutes?: ApiRoute[];
}

/** `?cleanup=true|false` on DELETE: also remove the Qlik-side virtual proxy or webhook the service provisioned. */
function cleanupFrom(event: JsonEvent): boolean {
  const value = event.queryStringParameters?.cleanup;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ValidationError([{ field: 'cleanup', message: 'cleanup is true or false.' }]);
}

export function settingsRoutes(deps: SettingsApiDeps): ApiRoute[] {
  const { servers, audit } = deps;
  return [
    // Loaded when asked for: the document is generated from the zod schemas, which no other read needs.
    {
      route: 'GET /api/openapi.json',
      handler: async () => json(200, (await import('#lib/api/openapi.ts')).openApiDocument()),
    },
    { route: 'GET /api/servers', handler: async () => json(200, { servers: await servers.list() }) },
    {
      route: 'GET /api/servers/{id}',
      handler: async (event: JsonEvent) => json(200, await servers.get(serverIdFrom(event))),
    },
    {
      route: 'PUT /api/servers/{id}',
      handler: async (event: JsonEvent) => {
        const id = serverIdFrom(event);
        const { view, changes } = await servers.saveWithChanges(id, event.parsedBody);
        logger.info('Server settings saved', { serverId: id, version: view.version });
        await recordAudit(audit, {
          ...auditContextOf(event),
          action: 'settings.saved',
          serverId: id,
          changes,
          result: 'succeeded',
        });
        return json(200, view);
      },
    },
    {
      route: 'DELETE /api/servers/{id}',
      handler: async (event: JsonEvent) => {
        const id = serverIdFrom(event);
        const { removedInQlik } = await servers.delete(id, { cleanup: cleanupFrom(event) });
        logger.info('Server settings deleted', { serverId: id, removedInQlik });
        await recordAudit(audit, {
          ...auditContextOf(event),
          action: 'server.deleted',
          serverId: id,
          changes: removedInQlik.map((what) => ({ field: 'qlik', from: what, to: null })),
          result: 'succeeded',
        });
        return noContent();
      },
    },
    ...(deps.extraRoutes ?? []),
  ];
}

export function createSettingsApiHandler(deps: () => SettingsApiDeps) {
  return createApiHandler(() => settingsRoutes(deps()));
}
