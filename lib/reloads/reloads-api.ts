/**
 * `GET /api/servers/{id}/reloads?limit=`: the recent reload-finished events of a server, newest first, as the
 * contract's Reload events section lists them (plus `startedAt` and `error`). Added to the settings API through
 * `extraRoutes`.
 */
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { limitParameter } from '#lib/api/query-limit.ts';
import { json } from '#lib/api/problem.ts';
import { serverIdFrom, type ApiRoute } from '#lib/api/api-handler.ts';
import type { ReloadFinishedEvent, ReloadHistory } from '#lib/reloads/reload-event.ts';

export const DEFAULT_RELOADS_LIMIT = 50;
export const MAX_RELOADS_LIMIT = 500;

export function reloadRoutes(history: () => Pick<ReloadHistory, 'list'>): ApiRoute[] {
  return [
    {
      route: 'GET /api/servers/{id}/reloads',
      handler: async (event: JsonEvent) => {
        const id = serverIdFrom(event);
        const reloads = await history().list(
          id,
          limitParameter(event.queryStringParameters?.limit, {
            default: DEFAULT_RELOADS_LIMIT,
            max: MAX_RELOADS_LIMIT,
          }),
        );
        return json(200, { reloads: reloads.map(toView) });
      },
    },
  ];
}

function toView(event: ReloadFinishedEvent) {
  return {
    appId: event.appId,
    appName: event.appName,
    status: event.status,
    startedAt: event.startedAt,
    finishedAt: event.finishedAt,
    source: event.source,
    reloadId: event.reloadId,
    error: event.error ?? null,
  };
}
