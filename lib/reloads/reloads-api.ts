/**
 * `GET /api/servers/{id}/reloads?limit=`: the recent reload-finished events of a server, newest first, as the
 * contract's Reload events section lists them (plus `startedAt` and `error`). Added to the settings API through
 * `extraRoutes`.
 */
import { ValidationError } from '#lib/errors.ts';
import type { JsonEvent } from '#lib/api/http-middleware.ts';
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
        const reloads = await history().list(id, limitFrom(event.queryStringParameters?.limit));
        return json(200, { reloads: reloads.map(toView) });
      },
    },
  ];
}

function limitFrom(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_RELOADS_LIMIT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RELOADS_LIMIT) {
    throw new ValidationError([{ field: 'limit', message: `limit must be a whole number from 1 to ${MAX_RELOADS_LIMIT}.` }]);
  }
  return limit;
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
