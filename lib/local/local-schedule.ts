/**
 * The local runtime's stand-in for an EventBridge schedule: a timer that invokes a function's handler every
 * `intervalMs` (0 turns it off). A run still going when the next tick comes is not overlapped, as the function's
 * lease would make the second one skip anyway; a failed run is logged and the next tick tries again, as in AWS.
 */
import { logger } from '#lib/observability/logger.ts';

export interface LocalSchedule {
  /** Runs the handler now (or joins the run in progress). */
  runNow(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export interface LocalScheduleOptions {
  /** The function it stands in for, for the log. */
  functionName: string;
  intervalMs: number;
  /** A first run this soon after start, so a developer sees the function work without waiting a whole interval. */
  firstRunAfterMs?: number;
  invoke: () => Promise<unknown>;
}

export function startLocalSchedule(options: LocalScheduleOptions): LocalSchedule {
  const { intervalMs } = options;
  let running: Promise<void> | null = null;
  const runNow = () => {
    running ??= options
      .invoke()
      .then(() => undefined)
      .catch((error: unknown) =>
        logger.error('Local scheduled run failed', { functionName: options.functionName, error }),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const first =
    intervalMs > 0 && options.firstRunAfterMs !== undefined
      ? setTimeout(() => void runNow(), Math.min(intervalMs, options.firstRunAfterMs))
      : undefined;
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
