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
import { logger } from '#lib/observability/logger.ts';
import type { AppCatalog } from '#lib/repository/app-catalog.ts';
import { syncAppCatalog, SyncFailedError, type SyncCounts, type SyncOutcome, type SyncProgress } from '#lib/repository/app-catalog-sync.ts';
import type { AppListing } from '#lib/repository/app-listing.ts';
import type { BatchWriterOptions } from '#lib/repository/batch-writer.ts';
import { describeSyncError } from '#lib/repository/sync-errors.ts';
import type { ServerStore } from '#lib/servers/server-ports.ts';
import type { LastSync, ServerRecord, ServerSecret, ServerState } from '#lib/servers/server-record.ts';
import { SERVER_IDS, type ServerId } from '#lib/servers/server-settings.ts';

/** Builds the Qlik listing for a configured server (the env factory wires the real clients). */
export type ListingFactory = (loaded: { record: ServerRecord; secret: ServerSecret }, state: ServerState) => AppListing;

export interface SyncRequest {
  serverId: ServerId;
  /** Who started an API run (its audit context); the schedule's runs have none. */
  requestedBy?: AuditContext;
  /** Set when the API started the run: the lease owner token to take over, and the time shown as started. */
  runId?: string;
  startedAt?: string;
}

export type SyncRunResult =
  | { serverId: ServerId; status: 'succeeded'; outcome: SyncOutcome }
  | { serverId: ServerId; status: 'failed'; error: string }
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
    const runId = randomUUID();
    const lease = await this.deps.leases.tryAcquire(syncLeaseName(serverId), this.leaseTtl, runId);
    if (!lease) throw new ConflictError(`A sync of the ${serverId} server's apps is already running; its progress shows on the server.`);
    const startedAt = this.now().toISOString();
    const expected = expectedFrom((await this.deps.store.getState(serverId)).lastSync);
    await this.record(serverId, this.running(startedAt, { appsSeen: 0, ...(expected !== undefined ? { expected } : {}) }));
    return { serverId, runId, startedAt, requestedBy };
  }

  /** The run could not be handed over (the invoke failed): free the lease and say so. */
  async abandon(request: Required<SyncRequest>, error: unknown): Promise<void> {
    const lease = await this.deps.leases.tryAcquire(syncLeaseName(request.serverId), 1_000, request.runId);
    await lease?.release();
    await this.record(request.serverId, this.finished(request.startedAt, zeroCounts(), `The sync could not be started: ${describeSyncError(error)}`));
  }

  /** The schedule: both servers at once, each under its own lease; unconfigured or busy ones are skipped. */
  async runAll(): Promise<SyncRunResult[]> {
    return Promise.all(SERVER_IDS.map((serverId) => this.run({ serverId })));
  }

  async run(request: SyncRequest): Promise<SyncRunResult> {
    const { serverId } = request;
    const lease = await this.deps.leases.tryAcquire(syncLeaseName(serverId), this.leaseTtl, request.runId);
    if (!lease) return { serverId, status: 'skipped', reason: 'running' };
    const abort = new AbortController();
    const renewal = setInterval(() => {
      lease.renew(this.leaseTtl).then(
        (held) => held || abort.abort(new Error('Another sync took over this server (the lease expired); this one stopped.')),
        (error: unknown) => logger.warn('Could not renew the sync lease; trying again', { serverId, error }),
      );
    }, this.leaseTtl / 3);
    let listing: AppListing | undefined;
    try {
      const loaded = await this.deps.loadServer(serverId);
      if (!loaded) {
        // The API checked, but the settings may have been deleted since: close the record it opened.
        if (request.startedAt) await this.record(serverId, this.finished(request.startedAt, zeroCounts(), 'The server is no longer configured.'));
        return { serverId, status: 'skipped', reason: 'not configured' };
      }
      const state = await this.deps.store.getState(serverId);
      const startedAt = request.startedAt ?? this.now().toISOString();
      const previousTotal = expectedFrom(state.lastSync);
      const progress = this.progressWriter(serverId, startedAt, previousTotal);
      await progress.write({ appsSeen: 0, ...(previousTotal !== undefined ? { expected: previousTotal } : {}) });
      listing = this.deps.listings(loaded, state);
      try {
        const outcome = await syncAppCatalog({ catalog: this.deps.catalog, serverId, listing, signal: abort.signal, now: this.now, onProgress: progress.update, writer: this.deps.writer });
        await progress.settled();
        const warning = outcome.removalsSkipped ? 'Apps were added or deleted in Qlik while the sync listed them; removals are left to the next sync.' : null;
        await this.record(serverId, { ...this.finished(startedAt, outcome, null), warning });
        logger.info('App sync finished', { serverId, ...countsOf(outcome), requests: listing.requests, writes: outcome.writes });
        await this.audit(request, 'succeeded', countsOf(outcome));
        return { serverId, status: 'succeeded', outcome };
      } catch (error) {
        await progress.settled();
        const counts = error instanceof SyncFailedError ? error.counts : zeroCounts();
        const cause = error instanceof SyncFailedError ? error.cause : error;
        const message = describeSyncError(cause);
        await this.record(serverId, { ...this.finished(startedAt, counts, message), removed: 0 });
        logger.warn('App sync failed', { serverId, error: cause, requests: listing.requests });
        await this.audit(request, 'failed', { ...countsOf(counts), removed: 0 });
        return { serverId, status: 'failed', error: message };
      }
    } finally {
      clearInterval(renewal);
      await listing?.close().catch(() => undefined);
      await lease.release().catch((error: unknown) => logger.warn('Could not release the sync lease; it expires on its own', { serverId, error }));
    }
  }

  /** The run's result in the audit trail, under whoever started it (the schedule when nobody did). */
  private audit(request: SyncRequest, result: 'succeeded' | 'failed', counts: Pick<LastSync, 'added' | 'updated' | 'removed' | 'total'>): Promise<void> {
    const context = request.requestedBy ?? { actor: SCHEDULE_ACTOR, requestId: request.runId ?? randomUUID(), sourceIp: null };
    return recordAudit(this.deps.audit, { ...context, action: 'sync.finished', serverId: request.serverId, changes: [], result, counts });
  }

  private get leaseTtl(): number {
    return this.deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  private running(startedAt: string, progress: SyncProgress): LastSync {
    return { at: startedAt, status: 'running', startedAt, finishedAt: null, ...zeroCounts(), error: null, progress, warning: null };
  }

  private finished(startedAt: string, counts: SyncCounts, error: string | null): LastSync {
    const finishedAt = this.now().toISOString();
    return { at: finishedAt, status: error ? 'failed' : 'succeeded', startedAt, finishedAt, ...countsOf(counts), error, progress: null, warning: null };
  }

  private record(serverId: ServerId, lastSync: LastSync): Promise<void> {
    return this.deps.store.updateState(serverId, { lastSync });
  }

  /** Progress writes at most every `progressIntervalMs`, one at a time, and never after the final record. */
  private progressWriter(serverId: ServerId, startedAt: string, expected: number | undefined) {
    const interval = this.deps.progressIntervalMs ?? 2_000;
    let chain: Promise<void> = Promise.resolve();
    let lastAt = 0;
    const write = (progress: SyncProgress) => {
      lastAt = Date.now();
      chain = chain
        .then(() => this.record(serverId, this.running(startedAt, progress)))
        .catch((error: unknown) => logger.warn('Could not record sync progress', { serverId, error }));
      return chain;
    };
    return {
      write,
      update: (progress: SyncProgress) => {
        if (Date.now() - lastAt >= interval) void write({ ...(expected !== undefined ? { expected } : {}), ...progress });
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
