/**
 * A client-side budget for one tier of Qlik Cloud's rate limits, so a long listing stays inside the limit instead
 * of running into 429s. Qlik evaluates tier limits over 5-minute windows (Tier 1: 1,000 requests per minute, so
 * 5,000 per window, per bot user, shared by everything that user does). The sync keeps to a share of that window
 * (default 4,000, leaving 1,000 for connection tests, webhooks and report exports running at the same time).
 * A 100,000-app tenant needs about 1,000 requests, so only larger tenants are ever paced. A 429 that happens
 * anyway is still waited out by the client (`Retry-After`).
 */
export interface RequestBudgetOptions {
  requests: number;
  windowMs: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const SYNC_TIER1_BUDGET = { requests: 4_000, windowMs: 5 * 60_000 } as const;

export class RequestBudget {
  /** Start times of the requests in the current window, oldest first (a ring of `requests` slots). */
  private readonly starts: Float64Array;
  private head = 0;
  private used = 0;
  /** Requests that had to wait for the window to move (the benchmark and tests read it). */
  waits = 0;

  constructor(private readonly options: RequestBudgetOptions) {
    this.starts = new Float64Array(options.requests);
  }

  /** Resolves when one more request fits in the window, and counts it. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = this.options.now ?? Date.now;
    if (this.used === this.options.requests) {
      const oldest = this.starts[this.head]!;
      const waitMs = oldest + this.options.windowMs - now();
      if (waitMs > 0) {
        this.waits++;
        await (this.options.sleep ?? sleep)(waitMs, signal);
      }
      this.used--;
      this.head = (this.head + 1) % this.options.requests;
    }
    this.starts[(this.head + this.used) % this.options.requests] = now();
    this.used++;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}
