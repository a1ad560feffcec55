/** `POST /api/servers/{id}/test`, the test-connection function's one route: the checks on a draft, nothing saved. */
import type { Context } from 'aws-lambda';
import { serverIdFrom, type ApiRoute } from '#lib/api/api-handler.ts';
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { json } from '#lib/api/problem.ts';
import type { ConnectionTestService } from '#lib/connection-test/connection-test-service.ts';

export function connectionTestRoutes(service: () => ConnectionTestService): ApiRoute[] {
  return [
    {
      route: 'POST /api/servers/{id}/test',
      // The test's budget starts at the invocation: Lambda's remaining time (see ConnectionTestService.test).
      handler: async (event: JsonEvent, context: Context) =>
        json(200, await service().test(serverIdFrom(event), event.parsedBody, { remainingMs: () => context.getRemainingTimeInMillis() })),
    },
  ];
}
