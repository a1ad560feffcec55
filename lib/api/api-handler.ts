/**
 * The generic part of every routed HTTP function (settings-api, test-connection): a middy handler with the shared
 * middleware (Lambda context in the logs, header normalization, problem+json errors, the JSON body limit) in front
 * of a route table, and the path parameters the routes share.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { NotFoundError } from '#lib/errors.ts';
import { jsonBody, problemErrors, type JsonEvent } from '#lib/api/http-middleware.ts';
import type { HttpResult } from '#lib/api/problem.ts';
import type { HttpMethod, RouteKey } from '#lib/api/routes.ts';
import { logger } from '#lib/observability/logger.ts';
import { isServerId, type ServerId } from '#lib/servers/server-id.ts';

/** One route a function serves, named by its key in the route table (lib/api/routes.ts). */
export interface ApiRoute {
  route: RouteKey;
  handler: (event: JsonEvent, context: Context) => Promise<HttpResult>;
}

/** The `{id}` of `/api/servers/{id}...`; an unknown id is a 404 naming the two servers. */
export function serverIdFrom(event: APIGatewayProxyEventV2): ServerId {
  const id = event.pathParameters?.id;
  if (!isServerId(id))
    throw new NotFoundError(`There is no server "${id ?? ''}"; the servers are "onprem" and "cloud".`);
  return id;
}

/** Wraps a route table with the shared middleware; `routes` is called on the first request (after cold start). */
export function createApiHandler(routes: () => ApiRoute[]) {
  let router: ReturnType<typeof httpRouterHandler<JsonEvent, HttpResult>> | undefined;
  return middy<JsonEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use(problemErrors())
    .use(jsonBody())
    .handler((event, context) => {
      router ??= httpRouterHandler<JsonEvent, HttpResult>({
        routes: routes().map(({ route, handler }) => {
          const [method, path] = route.split(' ') as [HttpMethod, string];
          return { method, path, handler };
        }),
        notFoundResponse: ({ method, path }) => {
          throw new NotFoundError(`No route for ${method} ${path}.`);
        },
      });
      return router(event, context);
    });
}
