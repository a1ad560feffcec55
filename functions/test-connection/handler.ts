import { createApiHandler, type ApiRoute } from '#lib/api/api-handler.ts';
import { connectionTestRoutes } from '#lib/connection-test/connection-test-api.ts';
import { connectionTestServiceFromEnv } from '#lib/connection-test/connection-test-from-env.ts';

let service: ReturnType<typeof connectionTestServiceFromEnv> | undefined;

/** The routes this function serves (lib/api/routes.ts lists them under `test-connection`). */
export const routes = (): ApiRoute[] => connectionTestRoutes(() => (service ??= connectionTestServiceFromEnv()));

export const handler = createApiHandler(routes);
