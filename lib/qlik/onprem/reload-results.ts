/**
 * Reload task results from the Qlik Sense repository, for on-premise reload polling (the QRS API's
 * `executionresult` endpoints). `GET /qrs/executionresult/full` has no paging, so the caller narrows it with a
 * `modifiedDate` watermark: an execution result is written when its task starts and again when its status changes,
 * so a result that reached a final status since the last poll has a newer `modifiedDate`.
 *
 * Assumptions, to verify on a live server: the ISO date literal in the filter (Qlik's example uses
 * `'2012-05-09 12:00:00'`), and GUIDs compared bare (`id eq <guid>`, as ctrl-q does).
 */
import { qrsString } from '#lib/qlik/onprem/qrs-filter.ts';
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';

/** QRS `TaskExecutionStatus` values that end an execution (Butler treats the same four as final). */
export const FINAL_EXECUTION_STATUSES: ReadonlyMap<number, 'Aborted' | 'FinishedSuccess' | 'FinishedFail' | 'Error'> =
  new Map([
    [6, 'Aborted'],
    [7, 'FinishedSuccess'],
    [8, 'FinishedFail'],
    [11, 'Error'],
  ]);

/** QRS writes this for a time that was never set (e.g. the stop time of a running task). */
export const QRS_NEVER = '1753-01-01T00:00:00.000Z';
export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ExecutionResult fields polling reads (spec definition `ExecutionResult`). */
export interface QrsExecutionResult {
  id: string;
  executionID?: string;
  taskID?: string;
  appID?: string;
  status: number;
  startTime?: string;
  stopTime?: string;
  duration?: number;
  modifiedDate: string;
  /** detailsType 0 Error, 1 Warning, 2 Information. */
  details?: Array<{ detailsType?: number; message?: string; detailCreatedDate?: string }>;
}

/**
 * Execution results changed after `sinceIso`, oldest change first.
 *
 * @example
 *   const changed = await executionResultsSince(qrs, '2026-03-01T10:00:00.000Z');
 */
export async function executionResultsSince(
  qrs: QrsClient,
  sinceIso: string,
  options: { signal?: AbortSignal } = {},
): Promise<QrsExecutionResult[]> {
  const results = await qrs.get<QrsExecutionResult[] | undefined>('/qrs/executionresult/full', {
    filter: `modifiedDate gt ${qrsString(sinceIso)}`,
    query: { orderby: 'modifiedDate' },
    signal: options.signal,
    timeoutMs: 20_000,
  });
  // Sorted here as well: the order is what keeps the watermark safe, so it must not depend on QRS honouring orderby.
  return [...(results ?? [])].sort((a, b) => Date.parse(a.modifiedDate) - Date.parse(b.modifiedDate));
}

/** The execution's own id when QRS set one, else the result's id: stable across polls and restarts. */
export function executionIdOf(result: QrsExecutionResult): string {
  return result.executionID && result.executionID !== ZERO_GUID ? result.executionID : result.id;
}

/** Names of the given apps (one condensed list call per 20 ids), for apps the catalog has not synced yet. */
export async function appNamesById(
  qrs: QrsClient,
  appIds: string[],
  options: { signal?: AbortSignal } = {},
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const app of await listByIds<{ id: string; name?: string }>(qrs, '/qrs/app', appIds, options.signal)) {
    if (app.name) names.set(app.id.toLowerCase(), app.name);
  }
  return names;
}

/** Which of the given task ids are reload tasks (lowercase); user sync and external program tasks are not. */
export async function reloadTaskIds(
  qrs: QrsClient,
  taskIds: string[],
  options: { signal?: AbortSignal } = {},
): Promise<Set<string>> {
  return new Set(
    (await listByIds<{ id: string }>(qrs, '/qrs/reloadtask', taskIds, options.signal)).map((task) =>
      task.id.toLowerCase(),
    ),
  );
}

/** The condensed entities with the given ids, one call per 20 ids (a filter stays well inside URL limits). */
async function listByIds<T>(qrs: QrsClient, path: string, ids: string[], signal?: AbortSignal): Promise<T[]> {
  const unique = [...new Set(ids.filter((id) => GUID.test(id) && id !== ZERO_GUID))];
  const found: T[] = [];
  for (let i = 0; i < unique.length; i += 20) {
    const filter = unique
      .slice(i, i + 20)
      .map((id) => `id eq ${id}`)
      .join(' or ');
    found.push(...((await qrs.get<T[] | undefined>(path, { filter, signal })) ?? []));
  }
  return found;
}
