/**
 * On-premise reload polling: Qlik Sense Enterprise cannot call us, so the reload monitor asks QRS every minute
 * which execution results changed since a stored watermark, and turns those in a final status (6 Aborted,
 * 7 FinishedSuccess, 8 FinishedFail, 11 Error) into the same normalized event the webhook produces.
 *
 * Only reloads: user directory sync and external program tasks write execution results too, with an empty or
 * zero-GUID `appID`. An `ExecutionResult` does not say what kind of task wrote it, so the task ids of the finished
 * results are looked up among the reload tasks (one condensed `/qrs/reloadtask` call per 20) and the rest skipped.
 *
 * Exactly once per execution, across restarts and overlapping runs:
 * - the watermark is QRS's own `modifiedDate` (never our clock), stored after the results up to it were handled,
 *   and never moved past a result whose processing failed, so a crash re-reads rather than skips;
 * - each poll re-reads an overlap before the watermark, because a QRS transaction can commit after a later one
 *   with an earlier `modifiedDate`; re-read results meet their ledger claim (`onprem#<execution id>`) and are
 *   not published again;
 * - the reload monitor holds a lease while it polls, so two scheduled runs do not poll at once; the ledger still
 *   protects a run whose lease expired mid-poll.
 */
import { logger } from '#lib/observability/logger.ts';
import {
  executionIdOf,
  FINAL_EXECUTION_STATUSES,
  QRS_NEVER,
  ZERO_GUID,
  type QrsExecutionResult,
} from '#lib/qlik/onprem/reload-results.ts';
import type { PollWatermarks, ReloadObservation, ReloadStatus } from '#lib/reloads/reload-event.ts';
import type { PipelineOutcome, ReloadPipeline } from '#lib/reloads/reload-pipeline.ts';

export const ONPREM_WATERMARK = 'onprem-executions';

export interface OnPremPollerDeps {
  pipeline: Pick<ReloadPipeline, 'process'>;
  watermarks: PollWatermarks;
  /** Results changed after the given ISO time, oldest first (`executionResultsSince`). */
  changedSince(sinceIso: string): Promise<QrsExecutionResult[]>;
  /** App names from QRS, for apps the catalog has not synced yet. */
  appNames(appIds: string[]): Promise<Map<string, string>>;
  /** Which of the given task ids are reload tasks (`reloadTaskIds`), lowercase. */
  reloadTasks(taskIds: string[]): Promise<Set<string>>;
  now?: () => Date;
  /** Re-read window before the watermark. Default 2 minutes. */
  overlapMs?: number;
  /** How far back the very first poll looks. Default 10 minutes: recent reloads, not the whole history. */
  initialLookbackMs?: number;
}

export interface PollSummary {
  changed: number;
  finished: number;
  processed: number;
  duplicates: number;
  watermark: string | null;
}

const STATUS: Record<number, ReloadStatus> = { 6: 'canceled', 7: 'succeeded', 8: 'failed', 11: 'failed' };

export async function pollOnPremReloads(deps: OnPremPollerDeps): Promise<PollSummary> {
  const now = deps.now?.() ?? new Date();
  const stored = await deps.watermarks.get(ONPREM_WATERMARK);
  const since = stored
    ? new Date(Date.parse(stored) - (deps.overlapMs ?? 2 * 60_000))
    : new Date(now.getTime() - (deps.initialLookbackMs ?? 10 * 60_000));
  const changed = await deps.changedSince(since.toISOString());
  const candidates = changed.filter(isFinalAppExecution);
  const [names, reloadTasks] = candidates.length
    ? await Promise.all([
        deps.appNames(candidates.map((r) => r.appID!)),
        deps.reloadTasks(candidates.map((r) => r.taskID ?? '')),
      ])
    : [new Map<string, string>(), new Set<string>()];
  // A reload task deleted before this poll is not found and its result is skipped: nothing can say it was one.
  const isReload = (result: QrsExecutionResult) =>
    isFinalAppExecution(result) && reloadTasks.has((result.taskID ?? '').toLowerCase());
  const finished = changed.filter(isReload);

  const summary: PollSummary = {
    changed: changed.length,
    finished: finished.length,
    processed: 0,
    duplicates: 0,
    watermark: stored,
  };
  let safe = stored ?? since.toISOString();
  let failure: unknown = null;
  for (const result of changed) {
    if (isReload(result)) {
      let outcome: PipelineOutcome;
      try {
        outcome = await deps.pipeline.process(`onprem#${executionIdOf(result)}`, observationOf(result, names));
      } catch (error) {
        failure = error;
        break;
      }
      if (outcome === 'processed') summary.processed++;
      else summary.duplicates++;
    }
    if (Date.parse(result.modifiedDate) > Date.parse(safe)) safe = result.modifiedDate;
  }
  if (safe !== stored) await deps.watermarks.set(ONPREM_WATERMARK, safe);
  summary.watermark = safe;
  if (failure) {
    logger.error('On-premise reload polling stopped at a result it could not process; the next poll retries it', {
      error: failure,
      watermark: safe,
    });
    throw failure;
  }
  return summary;
}

/** A final status on a result that names an app (not empty, not the zero GUID QRS writes for "none"). */
function isFinalAppExecution(result: QrsExecutionResult): boolean {
  return FINAL_EXECUTION_STATUSES.has(result.status) && Boolean(result.appID) && result.appID !== ZERO_GUID;
}

function observationOf(result: QrsExecutionResult, names: Map<string, string>): ReloadObservation {
  const status = STATUS[result.status]!;
  const appId = result.appID!;
  const finishedAt = usableTime(result.stopTime) ?? result.modifiedDate;
  const error = status === 'succeeded' ? null : errorOf(result);
  return {
    serverId: 'onprem',
    appId,
    appName: names.get(appId.toLowerCase()) ?? null,
    reloadId: executionIdOf(result),
    status,
    startedAt: usableTime(result.startTime),
    finishedAt: new Date(finishedAt).toISOString(),
    source: 'poll',
    ...(error ? { error } : {}),
  };
}

/** The execution's error details, else the status name so the alert still says something true. */
function errorOf(result: QrsExecutionResult): string {
  const errors = (result.details ?? []).filter((d) => d.detailsType === 0 && d.message).map((d) => d.message!);
  if (errors.length) return errors.slice(-5).join('; ').slice(0, 2000);
  return `The reload task ended with status ${FINAL_EXECUTION_STATUSES.get(result.status)} (${result.status}).`;
}

function usableTime(value: string | undefined): string | null {
  if (!value || value.startsWith('1753-') || value === QRS_NEVER) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
