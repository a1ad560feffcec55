import { createSettingsApiHandler } from '#lib/api/settings-api.ts';
import { reloadRoutesFromEnv } from '#lib/reloads/reloads-api-from-env.ts';
import { repositoryRoutesFromEnv } from '#lib/repository/repository-from-env.ts';
import { serverServiceFromEnv } from '#lib/servers/server-service-from-env.ts';

let servers: ReturnType<typeof serverServiceFromEnv> | undefined;

export const handler = createSettingsApiHandler(() => {
  servers ??= serverServiceFromEnv();
  return { servers, extraRoutes: [...reloadRoutesFromEnv(), ...repositoryRoutesFromEnv()] };
});
