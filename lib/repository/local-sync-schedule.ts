/**
 * The local runtime's stand-in for the EventBridge schedule of the scheduled-sync function: the same handler on a
 * timer (APP_SYNC_INTERVAL_SECONDS, hourly by default as in the stack; 0 turns it off). A run still going when the
 * next tick comes is not doubled: the sync lease would skip it anyway, this just avoids the work.
 */
import { logger } from '#lib/observability/logger.ts';
import { inProcessSyncTrigger } from '#lib/repository/repository-from-env.ts';

export interface LocalSyncSchedule {
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startLocalSyncSchedule(options: { intervalMs?: number } = {}): LocalSyncSchedule {
  const intervalMs = options.intervalMs ?? Number(process.env.APP_SYNC_INTERVAL_SECONDS ?? 3600) * 1000;
  let running: Promise<void> | null = null;
  const runNow = () => {
    running ??= (async () => {
      const { handler } = await import('#functions/scheduled-sync/handler.ts');
      await handler({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event' });
    })()
      .catch((error: unknown) => logger.error('Local scheduled app sync failed', { error }))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = intervalMs > 0 ? setInterval(() => void runNow(), intervalMs) : undefined;
  timer?.unref();
  return {
    runNow,
    stop: async () => {
      clearInterval(timer);
      await running;
      // Syncs started from the API run in this process too; let them finish before the stores close.
      await inProcessSyncTrigger()?.settled();
    },
  };
}
