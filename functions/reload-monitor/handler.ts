/**
 * reload-monitor: invoked by an EventBridge schedule (every minute by default) and by the local runtime's timer.
 * Polls on-premise reload results and keeps the Qlik Cloud reload webhook healthy (lib/reloads/reload-monitor.ts).
 * It never throws for a Qlik-side problem: the next run is a minute away, and Lambda's async retries would only
 * overlap with it.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '#lib/observability/logger.ts';
import { reloadMonitorFromEnv } from '#lib/reloads/reload-monitor-from-env.ts';
import type { ReloadMonitorReport } from '#lib/reloads/reload-monitor.ts';

let monitor: ReturnType<typeof reloadMonitorFromEnv> | undefined;

export const handler = middy<unknown, ReloadMonitorReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    monitor ??= reloadMonitorFromEnv();
    return monitor();
  });
