/**
 * How a sync started by the API reaches the function that runs it. In AWS the API answers 202 at once and the
 * scheduled-sync function runs the sync (an asynchronous Lambda invoke, `lambda-sync-trigger.ts`); locally and
 * in tests the same run happens in-process, in the background.
 */
import { logger } from '#lib/observability/logger.ts';
import type { SyncRequest, SyncRunResult } from '#lib/repository/app-sync-service.ts';

export interface SyncTrigger {
  /** Hands the run over; resolves once it is on its way (not when it finishes). */
  start(request: Required<SyncRequest>): Promise<void>;
}

/** The event the scheduled-sync function receives for an API-started run (the schedule sends its own shape). */
export interface SyncInvocation {
  kind: 'app-sync';
  request: Required<SyncRequest>;
}

export class InProcessSyncTrigger implements SyncTrigger {
  private readonly runs = new Set<Promise<unknown>>();

  constructor(private readonly run: (request: Required<SyncRequest>) => Promise<SyncRunResult>) {}

  async start(request: Required<SyncRequest>): Promise<void> {
    const run: Promise<unknown> = this.run(request)
      .catch((error: unknown) => logger.error('In-process app sync failed', { serverId: request.serverId, error }))
      .finally(() => this.runs.delete(run));
    this.runs.add(run);
  }

  /** Resolves when every run started so far has finished (tests, and a clean shutdown of the local runtime). */
  async settled(): Promise<void> {
    while (this.runs.size > 0) await Promise.allSettled([...this.runs]);
  }
}
