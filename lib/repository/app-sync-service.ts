/**
 * The "Sync apps" use cases around one sync run: who may run it (a lease per server), what the server's
 * `lastSync` says before, during and after, and which servers the schedule syncs.
 *
 * One sync per server at a time, whoever starts it:
 *   - the API (`start`) takes the lease with a fresh run id, records `running` and hands the run id to the sync
 *     function, which takes the lease over with it (`run`). A second request finds the lease held: 409.
 *   - the schedule (`runAll`) calls `run` without a run id; a held lease means a sync is running: skip.
 * The lease expires on its own (and is renewed while the sync runs), so a crashed run never blocks the next.
 */
import { randomUUID } from 'node:crypto';
import { SCHEDULE_ACTOR, type AuditContext, type AuditLog } from '#lib/audit/audit-log.ts';
import { recordAudit } from '#lib/audit/record-audit.ts';
import { ConflictError } from '#lib/errors.ts';
import type { LeaseProvider } from '#lib/leases/lease.ts';
import type { RateLimitMetrics } from '#lib/qlik/cloud/rate-tier-pause.ts';
import { LeaseKeeper, LeaseLostError } from '#lib/leases/lease-keeper.ts';
import { logger } from '#lib/observability/logger.ts';
import { ALARMED_METRICS, countMetric } from '#lib/reloads/metrics.ts';
import type { AppCatalog } from '#lib/repository/app-catalog.ts';
import {
  removeAllApps,
  syncAppCatalog,
  SyncFailedError,
  type SyncCounts,
  type SyncOutcome,
  type SyncProgress,
} from '#lib/repository/app-catalog-sync.ts';
import type { AppListing } from '#lib/repository/app-listing.ts';
import type { BatchWriterOptions } from '#lib/repository/batch-writer.ts';
import { describeSyncError } from '#lib/repository/sync-errors.ts';
import type { ServerStore } from '#lib/servers/server-ports.ts';
import type { LastSync, ServerRecord, ServerSecret, ServerState } from '#lib/servers/server-record.ts';
import { SERVER_IDS, type ServerId } from '#lib/servers/server-id.ts';

/** Builds the Qlik listing for a configured server (the env factory wires the real clients). */
export type ListingFactory = (
  loaded: { record: ServerRecord; secret: ServerSecret },
  state: ServerState,
) => AppListing | Promise<AppListing>;

export interface SyncRequest {
  serverId: ServerId;
  /** Who started an API run (its audit context); the schedule's runs have none. */
  requestedBy?: AuditContext;
  /** Set when the API started the run: the lease owner token to take over, and the time shown as started. */
  runId?: string;
  startedAt?: string;
}

export type SyncRunResult =
  | { serverId: ServerId; status: 'succeeded'; outcome: SyncOutcome; rateLimits?: RateLimitMetrics }
  | { serverId: ServerId; status: 'failed'; error: string; rateLimits?: RateLimitMetrics }
  | { serverId: ServerId; status: 'skipped'; reason: 'running' | 'not configured' };

export interface AppSyncDeps {
  store: ServerStore;
  /** Reads the saved configuration with its secret (ServerService.loadWithSecret). */
  loadServer: (id: ServerId) => Promise<{ record: ServerRecord; secret: ServerSecret } | null>;
  catalog: AppCatalog;
  leases: LeaseProvider;
  listings: ListingFactory;
  now?: () => Date;
  /** How often progress is written to `lastSync` while running. */
  progressIntervalMs?: number;
  /** Lease lifetime; renewed every third of it while the sync runs. */
  leaseTtlMs?: number;
  writer?: BatchWriterOptions;
  /** Where each finished run is recorded. */
  audit: AuditLog;
}

/** Shown to an admin when a sync record says "running" (the `lastSync` shape is the contract's). */

export const syncLeaseName = (id: ServerId) => `app-sync#${id}`;
const DEFAULT_LEASE_TTL_MS = 3 * 60_000;

export class AppSyncService {
  private readonly now: () => Date;

  constructor(private readonly deps: AppSyncDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Claims a server's sync for a run that will start elsewhere, and records it as running.
   * Throws ConflictError when the server is not configured or a sync is already running.
   */
  async start(serverId: ServerId, requestedBy: AuditContext): Promise<Required<SyncRequest>> {
    if (!(await this.deps.store.get(serverId))) {
      throw new ConflictError(`The ${serverId} server is not configured yet; save its settings before syncing apps.`);
    }
    const { request, expected } = await this.claim(
      serverId,
      `A sync of the ${serverId} server's apps is already running; its progress shows on the server.`,
      requestedBy,
    );
    await this.markRunning(request, expected);
    return request;
  }

  /**
   * Takes the server's sync lease for a run handed over later (the API's sync, a server's deletion), with the
   * total the progress bar expects. Throws ConflictError with `busy` while another run holds the lease.
   */
  async claim(
    serverId: ServerId,
    busy: string,
    requestedBy?: AuditContext,
  ): Promise<{ request: Required<SyncRequest>; expected: number | undefined }> {
    const runId = randomUUID();
    const lease = await this.deps.leases.tryAcquire(syncLeaseName(serverId), this.leaseTtl, runId);
    if (!lease) throw new ConflictError(busy);
    const expected = expectedFrom((await this.deps.store.getState(serverId)).lastSync);
    return {
      request: {
        serverId,
        runId,
        startedAt: this.now().toISOString(),
        requestedBy: requestedBy ?? { actor: SCHEDULE_ACTOR, requestId: runId, sourceIp: null },
      },
      expected,
    };
  }

  /** Shows a claimed run as running (progress 0 of `expected`) before it is handed over. */
  async markRunning(request: Required<SyncRequest>, expected: number | undefined): Promise<void> {
    await this.record(
      request.serverId,
      this.running(request.startedAt, { appsSeen: 0, ...(expected !== undefined ? { expected } : {}) }),
    );
  }

  /** Frees a claimed lease that will not be handed over. */
  async release(request: Required<SyncRequest>): Promise<void> {
    const lease = await this.deps.leases.tryAcquire(syncLeaseName(request.serverId), 1_000, request.runId);
    await lease?.release();
  }

  /** The run could not be handed over (the invoke failed): free the lease and say so. */
  async abandon(request: Required<SyncRequest>, error: unknown): Promise<void> {
    await this.release(request);
    await this.record(
      request.serverId,
      this.finished(request.startedAt, zeroCounts(), `The sync could not be started: ${describeSyncError(error)}`),
    );
  }

  /** The schedule: both servers at once, each under its own lease; unconfigured or busy ones are skipped. */
  async runAll(): Promise<SyncRunResult[]> {
    return Promise.all(SERVER_IDS.map((serverId) => this.run({ serverId })));
  }

  /**
   * Runs one sync under the server's lease. A server without settings (deleted) has its stored apps removed
   * instead, so removal runs here too: fenced by the same lease, with progress in `lastSync`, and the schedule
   * finishes a removal that stopped half-way. Once the lease is lost the run writes nothing more, not even its
   * own record: whoever holds the lease now owns `lastSync`.
   */
  async run(request: SyncRequest): Promise<SyncRunResult> {
    const { serverId } = request;
    // The schedule's usual answer for a server that is not connected: nothing to sync and no apps left to remove.
    // Two reads side by side tell that, where the lease would cost two writes; anything else runs under the lease.
    if (!request.runId && (await this.nothingToDo(serverId)))
      return { serverId, status: 'skipped', reason: 'not configured' };
    const lease = await this.deps.leases.tryAcquire(syncLeaseName(serverId), this.leaseTtl, request.runId);
    if (!lease) return { serverId, status: 'skipped', reason: 'running' };
    const keeper = new LeaseKeeper(lease, {
      ttlMs: this.leaseTtl,
      onLost: (error) => logger.error('App sync lost its lease', { serverId, error }),
    });
    const fenced = { signal: keeper.signal, fence: () => keeper.assertHeld() };
    let listing: AppListing | undefined;
    try {
      const loaded = await this.deps.loadServer(serverId);
      if (!loaded) return await this.removeApps(request, fenced);
      const state = await this.deps.store.getState(serverId);
      const startedAt = request.startedAt ?? this.now().toISOString();
      const previousTotal = expectedFrom(state.lastSync);
      const progress = this.progressWriter(serverId, startedAt, previousTotal, fenced.fence);
      await progress.write({ appsSeen: 0, ...(previousTotal !== undefined ? { expected: previousTotal } : {}) });
      listing = await this.deps.listings(loaded, state);
      try {
        const outcome = await syncAppCatalog({
          catalog: this.deps.catalog,
          serverId,
          listing,
          ...fenced,
          now: this.now,
          onProgress: progress.update,
          writer: this.deps.writer,
        });
        await progress.settled();
        const warning = outcome.removalsSkipped
          ? 'Apps were added or deleted in Qlik while the sync listed them; removals are left to the next sync.'
          : null;
        await this.record(serverId, { ...this.finished(startedAt, outcome, null), warning }, fenced.fence);
        const rateLimits = listing.rateLimits?.();
        logger.info('App sync finished', {
          serverId,
          ...countsOf(outcome),
          requests: listing.requests,
          writes: outcome.writes,
          ...(rateLimits ? { rateLimits } : {}),
        });
        await this.audit(request, 'succeeded', countsOf(outcome));
        return { serverId, status: 'succeeded', outcome, ...(rateLimits ? { rateLimits } : {}) };
      } catch (error) {
        await progress.settled();
        const rateLimits = listing.rateLimits?.();
        await this.audit(request, 'failed', {
          ...countsOf(error instanceof SyncFailedError ? error.counts : zeroCounts()),
          removed: 0,
        });
        const failed = await this.failed(
          serverId,
          startedAt,
          keeper.lost ? keeper.signal.reason : error,
          fenced.fence,
          { requests: listing.requests, ...(rateLimits ? { rateLimits } : {}) },
        );
        return rateLimits && failed.status === 'failed' ? { ...failed, rateLimits } : failed;
      }
    } catch (error) {
      if (keeper.lost)
        return this.failed(
          request.serverId,
          request.startedAt ?? this.now().toISOString(),
          keeper.signal.reason,
          fenced.fence,
          {},
        );
      throw error;
    } finally {
      await keeper.stop();
      await listing?.close().catch(() => undefined);
      await lease
        .release()
        .catch((error: unknown) =>
          logger.warn('Could not release the sync lease; it expires on its own', { serverId, error }),
        );
    }
  }

  /** The settings are gone: remove the stored apps, reporting progress like a sync. Quiet when there is nothing to do. */
  private async removeApps(
    request: SyncRequest,
    fenced: { signal: AbortSignal; fence: () => void },
  ): Promise<SyncRunResult> {
    const { serverId } = request;
    const startedAt = request.startedAt ?? this.now().toISOString();
    const state = await this.deps.store.getState(serverId);
    const expected = expectedFrom(state.lastSync);
    const progress = this.progressWriter(serverId, startedAt, expected, fenced.fence);
    try {
      const { removed, writes } = await removeAllApps({
        catalog: this.deps.catalog,
        serverId,
        ...fenced,
        onProgress: progress.update,
        writer: this.deps.writer,
      });
      await progress.settled();
      if (removed === 0 && !request.runId) return { serverId, status: 'skipped', reason: 'not configured' };
      const outcome: SyncOutcome = { ...zeroCounts(), removed, removalsSkipped: false, writes, lookups: 0 };
      await this.record(serverId, this.finished(startedAt, outcome, null), fenced.fence);
      logger.info('Apps of a deleted server removed', { serverId, removed });
      return { serverId, status: 'succeeded', outcome };
    } catch (error) {
      await progress.settled();
      return this.failed(serverId, startedAt, fenced.signal.aborted ? fenced.signal.reason : error, fenced.fence, {});
    }
  }

  private async nothingToDo(serverId: ServerId): Promise<boolean> {
    const [record, stored] = await Promise.all([
      this.deps.store.get(serverId),
      this.deps.catalog.listApps(serverId, { limit: 1 }),
    ]);
    return record === null && stored.apps.length === 0;
  }

  /** Records a failed run, unless the lease was lost: then the new holder owns `lastSync` and nothing is written. */
  private async failed(
    serverId: ServerId,
    startedAt: string,
    error: unknown,
    fence: () => void,
    context: Record<string, unknown>,
  ): Promise<SyncRunResult> {
    const counts = error instanceof SyncFailedError ? error.counts : zeroCounts();
    const cause = error instanceof SyncFailedError ? error.cause : error;
    const message = describeSyncError(cause);
    countMetric(ALARMED_METRICS.appSyncFailed, { serverId });
    if (cause instanceof LeaseLostError) {
      logger.error('App sync stopped: lease lost', { serverId, ...context });
      return { serverId, status: 'failed', error: message };
    }
    await this.record(serverId, { ...this.finished(startedAt, counts, message), removed: 0 }, fence).catch(
      (recordError: unknown) => logger.error('Could not record the failed sync', { serverId, error: recordError }),
    );
    logger.warn('App sync failed', { serverId, error: cause, ...context });
    return { serverId, status: 'failed', error: message };
  }

  /** The run's result in the audit trail, under whoever started it (the schedule when nobody did). */
  private audit(
    request: SyncRequest,
    result: 'succeeded' | 'failed',
    counts: Pick<LastSync, 'added' | 'updated' | 'removed' | 'total'>,
  ): Promise<void> {
    const context = request.requestedBy ?? {
      actor: SCHEDULE_ACTOR,
      requestId: request.runId ?? randomUUID(),
      sourceIp: null,
    };
    return recordAudit(this.deps.audit, {
      ...context,
      action: 'sync.finished',
      serverId: request.serverId,
      changes: [],
      result,
      counts,
    });
  }

  private get leaseTtl(): number {
    return this.deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  private running(startedAt: string, progress: SyncProgress): LastSync {
    return {
      at: startedAt,
      status: 'running',
      startedAt,
      finishedAt: null,
      ...zeroCounts(),
      error: null,
      progress,
      warning: null,
    };
  }

  private finished(startedAt: string, counts: SyncCounts, error: string | null): LastSync {
    const finishedAt = this.now().toISOString();
    return {
      at: finishedAt,
      status: error ? 'failed' : 'succeeded',
      startedAt,
      finishedAt,
      ...countsOf(counts),
      error,
      progress: null,
      warning: null,
    };
  }

  /** Writes `lastSync`; with a fence, only while the run still holds its lease. */
  private async record(serverId: ServerId, lastSync: LastSync, fence?: () => void): Promise<void> {
    fence?.();
    await this.deps.store.updateState(serverId, { lastSync });
  }

  /** Progress writes at most every `progressIntervalMs`, one at a time, and never after the final record. */
  private progressWriter(serverId: ServerId, startedAt: string, expected: number | undefined, fence: () => void) {
    const interval = this.deps.progressIntervalMs ?? 2_000;
    let chain: Promise<void> = Promise.resolve();
    let lastAt = 0;
    const write = (progress: SyncProgress) => {
      lastAt = Date.now();
      chain = chain
        .then(() => this.record(serverId, this.running(startedAt, progress), fence))
        .catch((error: unknown) => logger.warn('Could not record sync progress', { serverId, error }));
      return chain;
    };
    return {
      write,
      update: (progress: SyncProgress) => {
        if (Date.now() - lastAt >= interval)
          void write({ ...(expected !== undefined ? { expected } : {}), ...progress });
      },
      settled: () => chain,
    };
  }
}

/** Until Qlik says how many apps it has, the last successful sync's total (or the estimate the API recorded). */
function expectedFrom(lastSync: LastSync | null): number | undefined {
  if (!lastSync) return undefined;
  return lastSync.status === 'succeeded' ? lastSync.total : (lastSync.progress?.expected ?? undefined);
}

function zeroCounts(): SyncCounts {
  return { added: 0, updated: 0, unchanged: 0, removed: 0, total: 0 };
}

function countsOf(counts: SyncCounts): Pick<LastSync, 'added' | 'updated' | 'removed' | 'total'> {
  return { added: counts.added, updated: counts.updated, removed: counts.removed, total: counts.total };
}
