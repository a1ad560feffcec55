/** `POST /api/servers/{id}/test`, the test-connection function's one route: the checks on a draft, nothing saved. */
import { serverIdFrom, type ApiRoute } from '#lib/api/api-handler.ts';
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { json } from '#lib/api/problem.ts';
import type { ConnectionTestService } from '#lib/connection-test/connection-test-service.ts';

export function connectionTestRoutes(service: () => ConnectionTestService): ApiRoute[] {
  return [
    {
      route: 'POST /api/servers/{id}/test',
      handler: async (event: JsonEvent) => json(200, await service().test(serverIdFrom(event), event.parsedBody)),
    },
  ];
}
