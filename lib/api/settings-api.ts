/**
 * The settings API (`/api/servers...`, `/api/openapi.json`) as one middy handler with a route table. Later
 * capabilities (apps, sync, reloads, executions) add routes through `extraRoutes`.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler, { type Route } from '@middy/http-router';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFoundError } from '#lib/errors.ts';
import { jsonBody, problemErrors, type JsonEvent } from '#lib/api/http-middleware.ts';
import { openApiDocument } from '#lib/api/openapi.ts';
import { json, noContent, problem, type HttpResult } from '#lib/api/problem.ts';
import { logger } from '#lib/observability/logger.ts';
import type { ServerService } from '#lib/servers/server-service.ts';
import { isServerId, type ServerId } from '#lib/servers/server-settings.ts';

export type ApiRoute = Route<JsonEvent, HttpResult>;

export interface SettingsApiDeps {
  servers: ServerService;
  extraRoutes?: ApiRoute[];
}

export function serverIdFrom(event: APIGatewayProxyEventV2): ServerId {
  const id = event.pathParameters?.id;
  if (!isServerId(id)) throw new NotFoundError(`There is no server "${id ?? ''}"; the servers are "onprem" and "cloud".`);
  return id;
}

export function settingsRoutes(deps: SettingsApiDeps): ApiRoute[] {
  const { servers } = deps;
  return [
    { method: 'GET', path: '/api/openapi.json', handler: async () => json(200, openApiDocument()) },
    { method: 'GET', path: '/api/servers', handler: async () => json(200, { servers: await servers.list() }) },
    { method: 'GET', path: '/api/servers/{id}', handler: async (event: JsonEvent) => json(200, await servers.get(serverIdFrom(event))) },
    {
      method: 'PUT',
      path: '/api/servers/{id}',
      handler: async (event: JsonEvent) => {
        const id = serverIdFrom(event);
        const view = await servers.save(id, event.parsedBody);
        logger.info('Server settings saved', { serverId: id, version: view.version });
        return json(200, view);
      },
    },
    {
      method: 'DELETE',
      path: '/api/servers/{id}',
      handler: async (event: JsonEvent) => {
        const id = serverIdFrom(event);
        await servers.delete(id);
        logger.info('Server settings deleted', { serverId: id });
        return noContent();
      },
    },
    ...(deps.extraRoutes ?? []),
  ];
}

/** Wraps a route table with the shared middleware; `deps` is resolved on the first request (after cold start). */
export function createApiHandler(routes: () => ApiRoute[]) {
  let router: ReturnType<typeof httpRouterHandler<JsonEvent, HttpResult>> | undefined;
  return middy<JsonEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use(problemErrors())
    .use(jsonBody())
    .handler((event, context) => {
      router ??= httpRouterHandler<JsonEvent, HttpResult>({
        routes: routes(),
        notFoundResponse: ({ method, path }) => {
          throw new NotFoundError(`No route for ${method} ${path}.`);
        },
      });
      return router(event, context);
    });
}

export function createSettingsApiHandler(deps: () => SettingsApiDeps) {
  return createApiHandler(() => settingsRoutes(deps()));
}

export { problem };
