import { createApiHandler, type ApiRoute } from '#lib/api/api-handler.ts';
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { connectionTestRoutes, type ConnectionTestApiDeps } from '#lib/connection-test/connection-test-api.ts';
import { connectionTestServiceFromEnv } from '#lib/connection-test/connection-test-from-env.ts';

let deps: ConnectionTestApiDeps | undefined;

/** The routes this function serves (lib/api/routes.ts lists them under `test-connection`). */
export const routes = (): ApiRoute[] =>
  connectionTestRoutes(() => (deps ??= { service: connectionTestServiceFromEnv(), audit: adaptersFromEnv().audit }));

export const handler = createApiHandler(routes);
