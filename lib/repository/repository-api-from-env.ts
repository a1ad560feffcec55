/**
 * The settings API's share of the Qlik Repository, wired from the function's environment: the apps routes, how an
 * API-started sync runs, and the apps removal a server's DELETE hands over.
 *
 * Environment: what repository-from-env.ts reads, and SCHEDULED_SYNC_FUNCTION_NAME (in AWS: the function the API
 * invokes; unset: the sync runs in-process).
 */
import type { ApiRoute } from '#lib/api/api-handler.ts';
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { serviceEnvironment } from '#lib/aws/environment.ts';
import type { AppSyncService } from '#lib/repository/app-sync-service.ts';
import { repositoryRoutes } from '#lib/repository/apps-api.ts';
import { SyncAppsRemoval } from '#lib/repository/server-apps-removal.ts';
import { InProcessSyncTrigger, type SyncTrigger } from '#lib/repository/sync-trigger.ts';
import { builtOnFirstCall } from '#lib/on-first-use.ts';

let inProcess: InProcessSyncTrigger | undefined;

/** In AWS an async invoke of the scheduled-sync function; without one configured, the run happens in this process. */
function syncTriggerFromEnv(sync: AppSyncService): SyncTrigger {
  const functionName = serviceEnvironment().SCHEDULED_SYNC_FUNCTION_NAME;
  if (functionName) {
    // The Lambda client loads on the first Sync apps, not in every cold start of the settings API.
    return builtOnFirstCall<SyncTrigger>(async () => {
      const [{ LambdaSyncTrigger }, { sharedLambdaClient }] = await Promise.all([
        import('#lib/repository/lambda-sync-trigger.ts'),
        import('#lib/aws/extraction-clients.ts'),
      ]);
      return new LambdaSyncTrigger(sharedLambdaClient(), functionName);
    });
  }
  inProcess = new InProcessSyncTrigger((request) => sync.run(request));
  return inProcess;
}

/** The in-process trigger created last (tests and the local runtime wait for its runs). */
export function inProcessSyncTrigger(): InProcessSyncTrigger | undefined {
  return inProcess;
}

/** The settings API's share of the Repository: its routes, and the apps removal a server's DELETE hands over. */
export function repositoryFromEnv(): { routes: ApiRoute[]; appsRemoval: SyncAppsRemoval } {
  // The sync service (lease keeping, catalog writes, error descriptions) loads with the first sync or delete, not
  // with every cold start of the settings API.
  const sync = builtOnFirstCall<AppSyncService>(async () =>
    (await import('#lib/repository/repository-from-env.ts')).appSyncServiceFromEnv(),
  );
  const trigger = syncTriggerFromEnv(sync);
  return {
    routes: repositoryRoutes({ catalog: adaptersFromEnv().apps, sync, trigger, audit: adaptersFromEnv().audit }),
    appsRemoval: new SyncAppsRemoval(sync, trigger),
  };
}
