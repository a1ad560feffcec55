import { beforeEach, describe, expect, it } from 'vitest';
import type { QrsExecutionResult } from '#lib/qlik/onprem/reload-results.ts';
import { ONPREM_WATERMARK, pollOnPremReloads, type OnPremPollerDeps } from '#lib/reloads/onprem-reload-poller.ts';
import { ReloadPipeline } from '#lib/reloads/reload-pipeline.ts';
import {
  MemoryCatalog,
  MemoryHistory,
  MemoryLedger,
  MemoryPublisher,
  MemoryWatermarks,
} from '#test/unit/reloads/fakes.ts';

const APP = '11111111-2222-3333-4444-555555555555';
const RELOAD_TASK = 'aaaaaaaa-2222-3333-4444-555555555555';
const EXTERNAL_PROGRAM_TASK = 'bbbbbbbb-2222-3333-4444-555555555555';
const ZERO = '00000000-0000-0000-0000-000000000000';
const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();

function result(
  n: number,
  status: number,
  modifiedMinute: number,
  extra: Partial<QrsExecutionResult> = {},
): QrsExecutionResult {
  return {
    id: `00000000-0000-0000-0000-00000000000${n}`,
    executionID: `eeeeeeee-0000-0000-0000-00000000000${n}`,
    appID: APP,
    taskID: RELOAD_TASK,
    status,
    startTime: at(modifiedMinute - 1),
    stopTime: status >= 6 ? at(modifiedMinute) : '1753-01-01T00:00:00.000Z',
    modifiedDate: at(modifiedMinute),
    ...extra,
  };
}

describe('on-premise reload polling', () => {
  let site: QrsExecutionResult[];
  let queries: string[];
  let publisher: MemoryPublisher;
  let watermarks: MemoryWatermarks;
  let deps: OnPremPollerDeps;
  let now: Date;

  beforeEach(() => {
    site = [];
    queries = [];
    publisher = new MemoryPublisher();
    watermarks = new MemoryWatermarks();
    now = new Date(at(30));
    const pipeline = new ReloadPipeline({
      ledger: new MemoryLedger(),
      history: new MemoryHistory(),
      catalog: new MemoryCatalog(),
      publisher,
    });
    deps = {
      pipeline,
      watermarks,
      now: () => now,
      changedSince: async (since) => {
        queries.push(since);
        return site.filter((r) => r.modifiedDate > since).sort((a, b) => a.modifiedDate.localeCompare(b.modifiedDate));
      },
      appNames: async () => new Map([[APP, 'Finance']]),
      reloadTasks: async (ids) => new Set(ids.filter((id) => id === RELOAD_TASK)),
    };
  });

  it('skips results without an app and results of tasks that are not reload tasks, and still moves past them', async () => {
    // Prepare: a user sync (no app), an external program task (zero GUID), and one with an app but not a reload task
    site.push(
      result(1, 7, 21, { appID: '', taskID: EXTERNAL_PROGRAM_TASK }),
      result(2, 8, 22, { appID: ZERO, taskID: EXTERNAL_PROGRAM_TASK }),
      result(3, 7, 23, { taskID: EXTERNAL_PROGRAM_TASK }),
      result(4, 7, 24),
    );

    // Act
    const summary = await pollOnPremReloads(deps);

    // Assess
    expect(publisher.published.map((e) => e.reloadId)).toEqual(['eeeeeeee-0000-0000-0000-000000000004']);
    expect(summary).toMatchObject({ changed: 4, finished: 1, processed: 1, watermark: at(24) });
  });

  it('publishes final statuses 6, 7, 8 and 11 and skips executions still running', async () => {
    // Prepare
    site.push(
      result(1, 7, 21),
      result(2, 8, 22, { details: [{ detailsType: 0, message: 'Field X not found' }] }),
      result(3, 6, 23),
      result(4, 11, 24),
      result(5, 2, 25),
    );

    // Act
    const summary = await pollOnPremReloads(deps);

    // Assess
    expect(summary).toMatchObject({ changed: 5, finished: 4, processed: 4, duplicates: 0, watermark: at(25) });
    expect(publisher.published.map((e) => [e.status, e.error ?? null])).toEqual([
      ['succeeded', null],
      ['failed', 'Field X not found'],
      ['canceled', 'The reload task ended with status Aborted (6).'],
      ['failed', 'The reload task ended with status Error (11).'],
    ]);
    expect(publisher.published[0]).toEqual({
      serverId: 'onprem',
      appId: APP,
      appName: 'Finance',
      reloadId: 'eeeeeeee-0000-0000-0000-000000000001',
      status: 'succeeded',
      startedAt: at(20),
      finishedAt: at(21),
      source: 'poll',
    });
  });

  it('looks back ten minutes on the first poll, then re-reads a two-minute overlap before the watermark', async () => {
    await pollOnPremReloads(deps);
    site.push(result(1, 7, 31));
    now = new Date(at(32));
    await pollOnPremReloads(deps);
    await pollOnPremReloads(deps);
    expect(queries).toEqual([at(20), at(18), at(29)]);
    expect(publisher.published).toHaveLength(1);
  });

  it('reports an execution that finishes after it was seen running', async () => {
    site.push(result(1, 2, 21));
    await pollOnPremReloads(deps);
    site[0] = result(1, 7, 26);
    await pollOnPremReloads(deps);
    expect(publisher.published.map((e) => e.reloadId)).toEqual(['eeeeeeee-0000-0000-0000-000000000001']);
  });

  it('never moves the watermark past a result it could not process, and retries it next time', async () => {
    // Prepare
    site.push(result(1, 7, 21), result(2, 7, 22), result(3, 7, 23));
    publisher.failNext = 0;
    let calls = 0;
    const original = deps.pipeline.process.bind(deps.pipeline);
    deps.pipeline = {
      process: async (key, observation) => {
        if (++calls === 2) throw new Error('DynamoDB throttled');
        return original(key, observation);
      },
    };

    // Act
    await expect(pollOnPremReloads(deps)).rejects.toThrow('DynamoDB throttled');
    const stopped = watermarks.values.get(ONPREM_WATERMARK);
    await pollOnPremReloads(deps);

    // Assess
    expect(stopped).toBe(at(21));
    expect(publisher.published.map((e) => e.finishedAt)).toEqual([at(21), at(22), at(23)]);
    expect(watermarks.values.get(ONPREM_WATERMARK)).toBe(at(23));
  });
});
