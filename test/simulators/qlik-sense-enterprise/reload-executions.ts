/**
 * Reload task executions on the simulated site, as QRS records them: an execution result is written when the task
 * starts (status 2 Started, no stop time) and written again when it ends, with a final status, stop time, duration
 * and error details, which moves its `modifiedDate`. That second write is what on-premise reload polling sees.
 *
 * @example
 *   const run = startExecution(sim.state, task);
 *   finishExecution(sim.state, run, 8, { message: 'Field not found' });
 */
import { randomUUID } from 'node:crypto';
import { newExecutionResult, type Entity } from './entities.ts';
import type { QlikSenseState } from './state.ts';

export type FinalStatus = 6 | 7 | 8 | 11;

/** Starts a task execution: a new result with its own execution id, status 2 (Started). */
export function startExecution(state: QlikSenseState, task: Entity, init: Record<string, unknown> = {}): Entity {
  return state.addExecutionResult({
    task,
    status: 2,
    executionID: randomUUID(),
    executingNodeName: 'QLIKSERVER',
    ...init,
  });
}

/** Ends an execution with a final status (6 Aborted, 7 FinishedSuccess, 8 FinishedFail, 11 Error). */
export function finishExecution(
  state: QlikSenseState,
  result: Entity,
  status: FinalStatus,
  options: { message?: string } = {},
): Entity {
  const stopTime = state.now();
  result.status = status;
  result.stopTime = stopTime;
  result.duration = Math.max(0, Date.parse(stopTime) - Date.parse(String(result.startTime)));
  const failed = status === 8 || status === 11;
  // ExecutionResultDetailCondensed, every property the spec lists.
  const detail = (detailsType: 0 | 2, message: string) => ({
    id: randomUUID(),
    privileges: [],
    detailsType,
    message,
    detailCreatedDate: stopTime,
  });
  result.details = [
    detail(
      2,
      `Changing task state from Started to ${failed ? 'FinishedFail' : status === 6 ? 'Aborted' : 'FinishedSuccess'}`,
    ),
    ...(failed ? [detail(0, options.message ?? 'The reload script failed.')] : []),
  ];
  result.scriptLogAvailable = true;
  state.touch(result);
  const app = state.apps.get(String(result.appID));
  if (app && status === 7) {
    app.lastReloadTime = stopTime;
    state.touch(app);
  }
  return result;
}

/** A whole execution in one go, for tests that only care about the finished result. */
export function runExecution(
  state: QlikSenseState,
  task: Entity,
  status: FinalStatus,
  options: { message?: string } = {},
): Entity {
  return finishExecution(state, startExecution(state, task), status, options);
}

/**
 * A finished run of a task that is not a reload task (a user directory sync or an external program task): QRS writes
 * an execution result for it too, with no app (the zero GUID) and a task id no reload task has.
 */
export function runOtherTaskExecution(
  state: QlikSenseState,
  status: FinalStatus,
  init: { appID?: string } = {},
): Entity {
  const result = newExecutionResult(state.now(), {
    taskID: randomUUID(),
    appID: '00000000-0000-0000-0000-000000000000',
    status,
    ...init,
  });
  result.stopTime = state.now();
  state.executionResults.set(result.id, result);
  return result;
}
