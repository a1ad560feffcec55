/**
 * The scheduled-sync function's behaviour: an EventBridge schedule event syncs every configured server (servers
 * without settings are skipped, as is one whose sync is already running); an API-started run arrives as an
 * asynchronous invoke carrying the run's lease token.
 */
import { logger } from '#lib/observability/logger.ts';
import type { AppSyncService, SyncRunResult } from '#lib/repository/app-sync-service.ts';
import type { SyncInvocation } from '#lib/repository/sync-trigger.ts';

export type ScheduledSyncEvent = SyncInvocation | { source?: string; 'detail-type'?: string };

export function createScheduledSync(service: () => AppSyncService) {
  return async (event: ScheduledSyncEvent): Promise<SyncRunResult[]> => {
    if ('kind' in event && event.kind === 'app-sync') return [await service().run(event.request)];
    const results = await service().runAll();
    for (const result of results)
      logger.info('Scheduled app sync', {
        serverId: result.serverId,
        status: result.status,
        ...('reason' in result ? { reason: result.reason } : {}),
      });
    return results;
  };
}
