import { createApiHandler, type ApiRoute } from '#lib/api/api-handler.ts';
import { settingsRoutes } from '#lib/api/settings-api.ts';
import { auditRoutes } from '#lib/audit/audit-api.ts';
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { executionRoutesFromEnv, executionSettingsFromEnv } from '#lib/executions/executions-from-env.ts';
import { reloadRoutesFromEnv } from '#lib/reloads/reloads-api-from-env.ts';
import { repositoryFromEnv } from '#lib/repository/repository-api-from-env.ts';
import { serverServiceFromEnv } from '#lib/servers/server-service-from-env.ts';

/** The routes this function serves (lib/api/routes.ts lists them under `settings-api`), built on the first request. */
export const routes = (): ApiRoute[] => {
  // A server's DELETE hands its apps' removal to the sync function, under the sync's lease.
  const repository = repositoryFromEnv();
  const audit = adaptersFromEnv().audit;
  return settingsRoutes({
    servers: serverServiceFromEnv({ ...executionSettingsFromEnv(), apps: repository.appsRemoval }),
    audit,
    extraRoutes: [
      ...reloadRoutesFromEnv(),
      ...repository.routes,
      ...executionRoutesFromEnv(),
      ...auditRoutes(() => audit),
    ],
  });
};

export const handler = createApiHandler(routes);
