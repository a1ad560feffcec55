import { createApiHandler, serverIdFrom } from '#lib/api/api-handler.ts';
import { json } from '#lib/api/problem.ts';
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { connectionTestServiceFromEnv } from '#lib/connection-test/connection-test-from-env.ts';

let service: ReturnType<typeof connectionTestServiceFromEnv> | undefined;

export const handler = createApiHandler(() => [
  {
    method: 'POST',
    path: '/api/servers/{id}/test',
    handler: async (event: JsonEvent) => {
      service ??= connectionTestServiceFromEnv();
      return json(200, await service.test(serverIdFrom(event), event.parsedBody));
    },
  },
]);
