/** The reloads route on the real reload events table, for the settings API handler and the local runtime. */
import type { ApiRoute } from '#lib/api/api-handler.ts';
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { reloadRoutes } from '#lib/reloads/reloads-api.ts';

export function reloadRoutesFromEnv(): ApiRoute[] {
  return reloadRoutes(() => adaptersFromEnv().reloads);
}
