/**
 * One sync of a server's app catalog, as a pipeline with bounded memory:
 *
 *   Qlik pages ──prefetch(1)──> diff against stored digests ──> BatchWriter (≤ 8 BatchWriteItem in flight)
 *   stored digests (Query, appId order) ──> SyncIndex  (runs beside the listing from the start)
 *
 * Each listed app's content hash is compared with the stored one: equal means no write at all. Stored digests
 * stream in beside the listing, so no time is spent reading the catalog up front or at the end; a listed app
 * the stream has not reached yet is looked up with BatchGetItem instead. Only after the listing completed are
 * stored apps that Qlik did not list removed: a sync that fails half-way removes nothing, and what it wrote
 * before failing is what Qlik listed, so the catalog never holds anything untrue.
 *
 * Memory: one page in hand, one fetched ahead, at most `maxInFlight` batches of 25 being written, and the
 * SyncIndex (about 100 bytes per app id). Nothing holds the listing.
 */
import type { AppCatalog, CatalogApp, LastReload, StoredApp } from '#lib/repository/app-catalog.ts';
import { contentHash } from '#lib/repository/app-hash.ts';
import { prefetch, type AppListing } from '#lib/repository/app-listing.ts';
import { BatchWriter, type BatchWriterOptions } from '#lib/repository/batch-writer.ts';
import { SyncIndex } from '#lib/repository/sync-index.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

export interface SyncProgress {
  appsSeen: number;
  expected?: number;
}

export interface SyncCounts {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Apps Qlik listed (the catalog's size after a successful sync). */
  total: number;
}

export interface SyncOutcome extends SyncCounts {
  /** Removals were skipped because Qlik's list moved during the listing (see AppListing.unstable). */
  removalsSkipped: boolean;
  writes: BatchWriter['stats'];
  /** BatchGetItem lookups for apps the digest stream had not reached yet. */
  lookups: number;
}

export interface SyncRunOptions {
  catalog: AppCatalog;
  serverId: ServerId;
  listing: AppListing;
  signal?: AbortSignal;
  now?: () => Date;
  onProgress?: (progress: SyncProgress) => void;
  writer?: BatchWriterOptions;
  /** Called right before every write; throws to stop the sync (the lease fence, see lease-keeper.ts). */
  fence?: () => void;
}

/** Thrown with the counts reached so far, so the failed sync's record can say how far it got. */
export class SyncFailedError extends Error {
  override readonly name = 'SyncFailedError';
  constructor(
    readonly counts: SyncCounts,
    options: { cause: unknown },
  ) {
    super(options.cause instanceof Error ? options.cause.message : String(options.cause), options);
  }
}

export async function syncAppCatalog(options: SyncRunOptions): Promise<SyncOutcome> {
  const { catalog, serverId, listing } = options;
  const now = options.now ?? (() => new Date());
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const index = new SyncIndex(DIGEST_RANGE_BOUNDARIES);
  const writer = new BatchWriter(catalog, serverId, { ...options.writer, fence: options.fence });
  const counts: SyncCounts = { added: 0, updated: 0, unchanged: 0, removed: 0, total: 0 };
  let lookups = 0;
  let expected: number | undefined;

  const digests = streamDigestsInto(catalog, serverId, index, signal);
  digests.catch(() => undefined);
  void listing
    .expected(signal)
    .then((n) => (expected = n ?? undefined))
    .catch(() => undefined);

  try {
    const syncedAt = now().toISOString();
    for await (const page of prefetch(listing.pages(signal), 1)) {
      const fresh = page.filter((app) => index.markSeen(app.appId));
      const unknown = fresh.filter((app) => !index.isKnown(app.appId)).map((app) => app.appId);
      for (let i = 0; i < unknown.length; i += 100) {
        const ids = unknown.slice(i, i + 100);
        lookups++;
        for (const digest of await catalog.getDigests(serverId, ids)) index.addStored(digest);
        for (const id of ids) index.markChecked(id);
      }
      for (const app of fresh) {
        const hash = contentHash(app);
        if (index.hasHash(app.appId, hash)) {
          counts.unchanged++;
          continue;
        }
        if (index.isStored(app.appId)) counts.updated++;
        else counts.added++;
        await writer.put(toStored(serverId, app, hash, index.reloadEvent(app.appId), syncedAt));
      }
      counts.total += fresh.length;
      options.onProgress?.({ appsSeen: counts.total, ...(expected !== undefined ? { expected } : {}) });
    }
    await digests;
    const removalsSkipped = listing.unstable;
    if (!removalsSkipped) {
      for (const appId of index.storedNotSeen()) {
        await writer.delete(appId);
        counts.removed++;
      }
    }
    await writer.flush();
    return { ...counts, removalsSkipped, writes: writer.stats, lookups };
  } catch (error) {
    stop.abort();
    await writer.drain();
    throw new SyncFailedError(counts, { cause: error });
  }
}

/**
 * Removes every stored app of a server (its settings were deleted), fenced and reported like a sync: `appsSeen`
 * counts the apps removed so far. Stopping half-way leaves a smaller catalog of a server that no longer exists;
 * the next run (scheduled, or the next delete) removes the rest.
 */
export async function removeAllApps(
  options: Omit<SyncRunOptions, 'listing' | 'now'>,
): Promise<{ removed: number; writes: BatchWriter['stats'] }> {
  const { catalog, serverId } = options;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const writer = new BatchWriter(catalog, serverId, { ...options.writer, fence: options.fence });
  let removed = 0;
  try {
    for await (const page of catalog.streamDigests(serverId, signal)) {
      for (const { appId } of page) {
        await writer.delete(appId);
        removed++;
      }
      if (page.length > 0) options.onProgress?.({ appsSeen: removed });
    }
    await writer.flush();
    return { removed, writes: writer.stats };
  } catch (error) {
    stop.abort();
    await writer.drain();
    throw new SyncFailedError(
      { added: 0, updated: 0, unchanged: 0, removed: writer.stats.deletes, total: 0 },
      { cause: error },
    );
  }
}

/**
 * Reads the stored digests as four key ranges side by side (app ids are GUIDs, so splitting at the first hex digit
 * balances them; other ids still land in exactly one range). Against DynamoDB every Query page (1 MB, about 2,500
 * apps) is a round trip, so one stream over 100,000 apps is some 40 round trips in a row; four streams take a
 * quarter of that. (On the 2-core benchmark machine the local store is CPU-bound, so it makes no difference there.)
 */
export const DIGEST_RANGE_BOUNDARIES = ['4', '8', 'c'] as const;

async function streamDigestsInto(
  catalog: AppCatalog,
  serverId: ServerId,
  index: SyncIndex,
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(
    index.ranges().map(async (range, i) => {
      for await (const page of catalog.streamDigests(serverId, signal, range)) {
        for (const digest of page) index.addStored(digest);
        const last = page[page.length - 1];
        if (last) index.coverUpTo(last.appId, i);
      }
      index.markComplete(i);
    }),
  );
}

/**
 * The stored shape. An event-reported reload newer than the one Qlik listed wins: QRS moves `lastReloadTime` only
 * on success, so a later failed reload is known only from the reload monitor.
 */
function toStored(
  serverId: ServerId,
  app: CatalogApp,
  hash: string,
  event: LastReload | null,
  syncedAt: string,
): StoredApp {
  const lastReload = event && (!app.lastReload || event.at > app.lastReload.at) ? event : app.lastReload;
  return { serverId, ...app, lastReload, syncedAt, hash, reloadEvent: event };
}
