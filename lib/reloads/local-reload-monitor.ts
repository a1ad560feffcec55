/**
 * The local runtime's stand-in for the reload monitor's EventBridge schedule: a timer that invokes the same handler
 * every `RELOAD_MONITOR_INTERVAL_SECONDS` (default 60; 0 turns it off). A run still going when the next tick comes
 * is not overlapped, as a schedule with a lease would skip it too.
 */
import { lambdaContext } from '#lib/local/api-gateway-adapter.ts';
import { logger } from '#lib/observability/logger.ts';

export interface LocalReloadMonitor {
  /** Runs the monitor now (tests and the benchmark use it instead of waiting for the timer). */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startLocalReloadMonitor(options: { intervalMs?: number } = {}): LocalReloadMonitor {
  const intervalMs = options.intervalMs ?? Number(process.env.RELOAD_MONITOR_INTERVAL_SECONDS ?? 60) * 1000;
  let running: Promise<void> | null = null;
  const runNow = () => {
    running ??= (async () => {
      const { handler } = await import('#functions/reload-monitor/handler.ts');
      await handler({}, lambdaContext('reload-monitor', 55_000));
    })()
      .catch((error: unknown) => logger.error('Local reload monitor run failed', { error }))
      .finally(() => {
        running = null;
      });
    return running;
  };
  // The first run comes soon after start, so a developer sees the monitor work without waiting a whole interval.
  const first = intervalMs > 0 ? setTimeout(() => void runNow(), Math.min(intervalMs, 10_000)) : undefined;
  const timer = intervalMs > 0 ? setInterval(() => void runNow(), intervalMs) : undefined;
  first?.unref();
  timer?.unref();
  return {
    runNow,
    stop: async () => {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
