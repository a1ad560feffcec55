/**
 * When a QRS call is tried again: only reads (GET, and POSTs that only read, such as `POST /qrs/app/table`,
 * which builds a table from a definition and changes nothing), only when Qlik answered 5xx or the connection
 * dropped before an answer, and never more than `attempts` times in all. Waits grow exponentially with full
 * jitter (AWS's recommendation), capped, so many syncs retrying at once spread out. A call that changes
 * something is never retried: QRS has no idempotency keys, and a POST that timed out may have been applied.
 * Timeouts are not retried either: the caller's time budget is already spent.
 */
import { QrsConnectionError, QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';

export interface QrsRetryPolicy {
  /** Tries in all, the first included; 1 turns retries off. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_QRS_RETRY: QrsRetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 };

export function isRetryableFailure(error: unknown): boolean {
  if (error instanceof QrsRequestError) return error.status >= 500 && error.status <= 599;
  return error instanceof QrsConnectionError && error.problem === 'reset';
}

/** Full jitter: a random wait up to base x 2^(attempt-1), capped. */
export function retryDelay(policy: QrsRetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round((policy.random ?? Math.random)() * ceiling);
}

/** Runs `attempt` until it succeeds, fails in a way that is not retried, or the tries run out. */
export async function withQrsRetry<T>(
  policy: QrsRetryPolicy,
  signal: AbortSignal | undefined,
  attempt: (n: number) => Promise<T>,
  onRetry?: (error: unknown, n: number) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.attempts || signal?.aborted || !isRetryableFailure(error)) throw error;
      onRetry?.(error, n);
      await (policy.sleep ?? abortableSleep)(retryDelay(policy, n), signal);
      if (signal?.aborted) throw error;
    }
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
