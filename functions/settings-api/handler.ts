import { createApiHandler, type ApiRoute } from '#lib/api/api-handler.ts';
import { settingsRoutes } from '#lib/api/settings-api.ts';
import { executionRoutesFromEnv, executionSettingsFromEnv } from '#lib/executions/executions-from-env.ts';
import { reloadRoutesFromEnv } from '#lib/reloads/reloads-api-from-env.ts';
import { repositoryFromEnv } from '#lib/repository/repository-from-env.ts';
import { serverServiceFromEnv } from '#lib/servers/server-service-from-env.ts';

/** The routes this function serves (lib/api/routes.ts lists them under `settings-api`), built on the first request. */
export const routes = (): ApiRoute[] => {
  // A server's DELETE hands its apps' removal to the sync function, under the sync's lease.
  const repository = repositoryFromEnv();
  return settingsRoutes({
    servers: serverServiceFromEnv({ ...executionSettingsFromEnv(), apps: repository.appsRemoval }),
    extraRoutes: [...reloadRoutesFromEnv(), ...repository.routes, ...executionRoutesFromEnv()],
  });
};

export const handler = createApiHandler(routes);
