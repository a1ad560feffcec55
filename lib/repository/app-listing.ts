/**
 * The port between the sync and a Qlik flavour: pages of apps as Qlik lists them. Adapters:
 * `lib/qlik/onprem/app-listing.ts` (QRS `POST /qrs/app/table`) and `lib/qlik/cloud/app-listing.ts` (Items API).
 */
import type { RateLimitMetrics } from '#lib/qlik/cloud/rate-tier-pause.ts';
import type { CatalogApp } from '#lib/repository/app-catalog.ts';

export interface AppListing {
  /** Pages in Qlik's order; each step fetches one page. A thrown error ends the sync without removals. */
  pages(signal: AbortSignal): AsyncIterable<CatalogApp[]>;
  /** How many apps Qlik is expected to list (progress bar), when it can say cheaply. */
  expected(signal: AbortSignal): Promise<number | null>;
  /**
   * Set when the listing saw Qlik's list move underneath it (an app deleted during offset paging can shift
   * another app past the page boundary unseen). Removals are then left to the next sync.
   */
  readonly unstable: boolean;
  /** HTTP requests sent to Qlik so far. */
  readonly requests: number;
  /** How often and how long Qlik's rate limits paused each tier while the listing ran (Qlik Cloud only). */
  rateLimits?(): RateLimitMetrics;
  close(): Promise<void>;
}

/**
 * Keeps up to `depth` pages fetched ahead of the consumer: while one page is diffed and stored, the next
 * request is already on the wire. Pages fetched ahead after the consumer stops are dropped, and their
 * rejections are swallowed so a failure after the stop is not an unhandled rejection.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ahead: Promise<IteratorResult<T>>[] = [];
  const pull = () => {
    const next = iterator.next();
    next.catch(() => undefined);
    ahead.push(next);
  };
  let finished = false;
  try {
    pull();
    for (;;) {
      const result = await ahead.shift()!;
      if (result.done) {
        finished = true;
        return;
      }
      // Ask for the next page before handing this one over.
      while (ahead.length < depth) pull();
      yield result.value;
    }
  } finally {
    if (!finished) await iterator.return?.().catch(() => undefined);
  }
}

/**
 * Interleaves several page streams, handing on each page as soon as it arrives, with one request in flight per
 * stream. Cursor-paged listings cannot fetch ahead within one stream, but independent streams (one per space
 * type) can run side by side.
 */
export async function* mergePages<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const next = iterators[index]!.next().then((result) => ({ index, result }));
    next.catch(() => undefined);
    pending.set(index, next);
  };
  iterators.forEach((_, index) => pull(index));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      pending.delete(index);
      if (result.done) continue;
      pull(index);
      yield result.value;
    }
  } finally {
    await Promise.allSettled(
      iterators.map((iterator, index) => (pending.has(index) ? iterator.return?.() : undefined)),
    );
  }
}
