/**
 * One pause per Qlik Cloud tenant and rate-limit tier, shared by every caller in this container (the sync's cursor
 * chains, connection tests, the reload monitor, report executions).
 *
 * Why: Qlik evaluates its limits "per tier, per user, per tenant" (Tier 1: 1,000 a minute, most GETs; Tier 2: 100 a
 * minute, create/update/delete; both over 5-minute windows; "Special" endpoints carry their own limit in their
 * spec's `x-qlik-tier`, e.g. `POST /api/v1/reports`: 10), and answers a request over the limit with 429 and a
 * `Retry-After` in seconds — https://qlik.dev/apis/rest/rate-limiting. Qlik's support article "Qlik Cloud API rate
 * limits enforced starting on November 1st, 2022" adds that once a limit is reached, all endpoints in the same tier
 * are blocked until the retry-after time expires. So one 429 says something about every request of its tier, not
 * just the one that got it: every request of that tier, whoever sends it, waits for the pause before it starts.
 * Requests already on the wire are not cancelled; their answers are used. Other tiers are not paused.
 *
 * The pause is per tenant origin: the service signs in to a tenant as one OAuth client (one bot user), so per
 * tenant is per user here. A 429 without a readable `Retry-After` (Qlik always sends one; a proxy might not)
 * pauses the tier for a bounded exponential backoff with jitter instead.
 *
 * Metrics: a `RateLimitMeter` (one per sync, one per connection test) counts how often and how long each tier was
 * paused while it ran, which 429s its own requests got, and how long its requests waited.
 */

/**
 * A Qlik Cloud rate-limit tier. `tier1` and `tier2` are the documented shared tiers; `special:<name>` is an endpoint
 * with a limit of its own. A request's tier defaults from its method (`defaultRateTier`); set `tier` on the call
 * for anything else (the Reports API POST: `REPORTS_CREATE_TIER`).
 */
export type RateTier = 'tier1' | 'tier2' | `special:${string}`;

/** `POST /api/v1/reports`: a Special tier of its own (`x-qlik-tier` limit 10 in the Reports API spec). */
export const REPORTS_CREATE_TIER: RateTier = 'special:reports.create';

/** Qlik puts most GETs in Tier 1 and the calls that create, update or delete in Tier 2 (every spec this service uses agrees). */
export function defaultRateTier(method: string): RateTier {
  return method.toUpperCase() === 'GET' ? 'tier1' : 'tier2';
}

export interface BackoffPolicy {
  /** The first pause after a 429 without a usable Retry-After. */
  baseMs: number;
  /** Upper bound of one pause however many such 429s follow. */
  maxMs: number;
}

/** Qlik's windows are minutes long, so a backoff shorter than a second is pointless and one over half a minute too long to guess. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 };

export interface RateTierPausesOptions {
  backoff?: BackoffPolicy;
  /** Monotonic clock in ms (tests inject one). */
  now?: () => number;
  /** In [0, 1) (tests inject one). */
  random?: () => number;
}

/** How a tier fared while a meter ran. */
export interface TierPauseMetrics {
  /** Pauses of the tier that began while the meter ran (or were in force when it started), whoever's 429 caused them. */
  pauses: number;
  /** How long the tier was paused while the meter ran, in ms (a 429 that lengthens a running pause adds here only). */
  pausedMs: number;
  /** 429s answered to the meter's own requests. */
  limited: number;
  /** The meter's requests that had to wait for a pause before starting, and for how long in total. */
  waits: number;
  waitedMs: number;
}

export type RateLimitMetrics = Partial<Record<RateTier, TierPauseMetrics>>;

/** Collects one caller's figures (a sync, a connection test); pass it as `meter` on the caller's requests. */
export class RateLimitMeter {
  private readonly tiers = new Map<RateTier, TierPauseMetrics>();
  private stopped = false;

  constructor(private readonly registry: RateTierPauses) {
    registry.meters.add(this);
    // A pause already in force when the caller starts delays it just the same.
    for (const tier of registry.pausedTiers()) this.onPause(tier, registry.remainingMs(tier), true);
  }

  /** The figures so far, per tier that saw anything; a pause still running counts only up to now. */
  metrics(): RateLimitMetrics {
    const ahead = (tier: RateTier) => (this.stopped ? 0 : this.registry.remainingMs(tier));
    return Object.fromEntries(
      [...this.tiers].map(([tier, m]) => [
        tier,
        { ...m, pausedMs: Math.max(0, Math.round(m.pausedMs - ahead(tier))), waitedMs: Math.round(m.waitedMs) },
      ]),
    );
  }

  /** Stops counting and returns the final figures. */
  stop(): RateLimitMetrics {
    if (!this.stopped) {
      for (const tier of this.registry.pausedTiers()) this.of(tier).pausedMs -= this.registry.remainingMs(tier);
      this.stopped = true;
      this.registry.meters.delete(this);
    }
    return this.metrics();
  }

  /** @internal The registry reports a pause that began (or lengthened one) and added `addedMs` to the tier's paused time. */
  onPause(tier: RateTier, addedMs: number, began: boolean): void {
    const m = this.of(tier);
    if (began) m.pauses++;
    m.pausedMs += addedMs;
  }

  /** @internal */
  onLimited(tier: RateTier): void {
    this.of(tier).limited++;
  }

  /** @internal */
  onWaited(tier: RateTier, ms: number): void {
    const m = this.of(tier);
    m.waits++;
    m.waitedMs += ms;
  }

  private of(tier: RateTier): TierPauseMetrics {
    let m = this.tiers.get(tier);
    if (!m) this.tiers.set(tier, (m = { pauses: 0, pausedMs: 0, limited: 0, waits: 0, waitedMs: 0 }));
    return m;
  }
}

/** The pauses of one tenant's tiers. */
export class RateTierPauses {
  /** @internal Meters running now. */
  readonly meters = new Set<RateLimitMeter>();
  private readonly until = new Map<RateTier, number>();
  /** 429s without a usable Retry-After in a row, per tier (the backoff's exponent). */
  private readonly streak = new Map<RateTier, number>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;

  constructor(options: RateTierPausesOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** How long the tier stays paused, in ms (0 when it is open). */
  remainingMs(tier: RateTier): number {
    return Math.max(0, (this.until.get(tier) ?? 0) - this.now());
  }

  pausedTiers(): RateTier[] {
    return [...this.until.keys()].filter((tier) => this.remainingMs(tier) > 0);
  }

  /**
   * A 429 of `tier` arrived: pause the tier for `retryAfterMs`, or for a backoff when Qlik sent no usable
   * Retry-After. A pause already running longer is kept. Returns how long the tier is now paused.
   */
  pause(tier: RateTier, retryAfterMs: number | null, meter?: RateLimitMeter): number {
    meter?.onLimited(tier);
    let waitMs = retryAfterMs;
    if (waitMs === null) {
      const n = (this.streak.get(tier) ?? 0) + 1;
      this.streak.set(tier, n);
      // "Equal jitter": at least half the exponential step, so callers that back off together spread out but never hammer.
      const step = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (n - 1));
      waitMs = step / 2 + this.random() * (step / 2);
    }
    const now = this.now();
    const previous = this.until.get(tier) ?? 0;
    const until = now + waitMs;
    if (until > previous) {
      this.until.set(tier, until);
      const added = until - Math.max(previous, now);
      for (const m of this.meters) m.onPause(tier, added, previous <= now);
    }
    return this.remainingMs(tier);
  }

  /** Opens every tier (tests: a simulated tenant whose limits were just lifted). */
  reset(): void {
    this.until.clear();
    this.streak.clear();
  }

  /** An answer of `tier` that was not a 429: the next 429 without Retry-After starts the backoff over. */
  settle(tier: RateTier): void {
    this.streak.delete(tier);
  }

  /**
   * Resolves once `tier` is open, checking again after each wait (another 429 may have lengthened the pause).
   * `maxWaitMs`: when the pause would outlast it, throws `TierPausedTooLong` at once instead of waiting.
   * Returns how long it waited.
   */
  async wait(
    tier: RateTier,
    options: { signal?: AbortSignal; maxWaitMs?: number; meter?: RateLimitMeter } = {},
  ): Promise<number> {
    const started = this.now();
    let paused = false;
    for (let remaining = this.remainingMs(tier); remaining > 0; remaining = this.remainingMs(tier)) {
      const waited = this.now() - started;
      if (options.maxWaitMs !== undefined && waited + remaining > options.maxWaitMs)
        throw new TierPausedTooLong(tier, remaining, waited);
      paused = true;
      await sleep(Math.ceil(remaining), options.signal);
    }
    if (!paused) return 0;
    const waited = this.now() - started;
    options.meter?.onWaited(tier, waited);
    return waited;
  }
}

/** The tier's pause would outlast what the caller may wait; the request was not sent. */
export class TierPausedTooLong extends Error {
  override readonly name = 'TierPausedTooLong';
  constructor(
    readonly tier: RateTier,
    readonly remainingMs: number,
    readonly waitedMs: number,
  ) {
    super(`Qlik Cloud's ${tier} is paused for another ${Math.ceil(remainingMs)} ms after a 429`);
  }
}

const tenants = new Map<string, RateTierPauses>();

/** The pauses of a tenant origin, shared by every client of that tenant in this container. */
export function rateTierPausesFor(origin: string): RateTierPauses {
  let pauses = tenants.get(origin);
  if (!pauses) tenants.set(origin, (pauses = new RateTierPauses()));
  return pauses;
}

/** Opens every tier of every tenant (tests: a new container, or a simulated tenant whose limits were lifted). */
export function clearRateTierPauses(): void {
  // Reset rather than forget: clients in use keep their tenant's instance.
  for (const pauses of tenants.values()) pauses.reset();
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
