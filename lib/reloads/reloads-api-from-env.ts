/** The reloads route on the real reload events table, for the settings API handler and the local runtime. */
import type { ApiRoute } from '#lib/api/api-handler.ts';
import { reloadStoreFromEnv } from '#lib/reloads/reload-pipeline-from-env.ts';
import { reloadRoutes } from '#lib/reloads/reloads-api.ts';

export function reloadRoutesFromEnv(env: NodeJS.ProcessEnv = process.env): ApiRoute[] {
  let store: ReturnType<typeof reloadStoreFromEnv> | undefined;
  return reloadRoutes(() => (store ??= reloadStoreFromEnv(env)));
}
