import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entity } from '#test/simulators/qlik-sense-enterprise/entities.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';
import {
  finishExecution,
  runExecution,
  runOtherTaskExecution,
  startExecution,
} from '#test/simulators/qlik-sense-enterprise/reload-executions.ts';
import { simulatedSiteDraft } from '#test/support/server-drafts.ts';
import { startReloadHandlers, type ReloadHarness } from '#test/integration/reloads/reload-harness.ts';

const PASSWORD = 'site-export-pw';

describe('on-premise reload polling through the reload-monitor handler', () => {
  let sim: QlikSenseSimulator;
  let h: ReloadHarness;
  let sales: Entity;
  let finance: Entity;
  let salesTask: Entity;
  let financeTask: Entity;

  beforeAll(async () => {
    sim = await startQlikSenseSimulator();
    h = await startReloadHandlers();
    await h.service.save('onprem', simulatedSiteDraft(sim, { password: PASSWORD }));
    sales = sim.state.addApp({ name: 'Sales' });
    finance = sim.state.addApp({ name: 'Finance' });
    salesTask = sim.state.addReloadTask({ name: 'Reload Sales', app: sales });
    financeTask = sim.state.addReloadTask({ name: 'Reload Finance', app: finance });
    // The catalog knows Sales (synced); Finance is new, so its name comes from QRS.
    await h.seedApp('onprem', sales.id, 'Sales (catalog)');
  });
  afterAll(async () => {
    await h?.close();
    await sim?.close();
  });

  /** reloadId -> how often it was published. */
  const publishCounts = async () => {
    const counts = new Map<string, number>();
    for (const p of await h.published('onprem'))
      counts.set(p.detail.reloadId, (counts.get(p.detail.reloadId) ?? 0) + 1);
    return counts;
  };

  it('reports each finished execution exactly once across polls, a restart and overlapping runs', async () => {
    // Prepare: one execution finished before the first poll, one still running
    const early = runExecution(sim.state, salesTask, 7);
    const running = startExecution(sim.state, financeTask);

    // Act 1: first poll
    const first = await h.runMonitor();

    // Assess 1
    expect(first.onprem).toMatchObject({ status: 'done', result: { processed: 1 } });
    expect(first.cloud).toEqual({ status: 'not-configured' });

    // Act 2: the running one fails, another succeeds between polls
    finishExecution(sim.state, running, 8, { message: 'Connector error: ODBC timeout' });
    const aborted = runExecution(sim.state, salesTask, 6);
    await h.runMonitor();

    // Act 3: a new container (restart), more executions finish, and two scheduled runs overlap
    await h.restart();
    const errored = runExecution(sim.state, financeTask, 11);
    const late = runExecution(sim.state, salesTask, 7);
    const overlapping = await Promise.all([h.runMonitor(), h.runMonitor()]);
    await h.runMonitor();

    // Assess
    expect(overlapping.map((r) => r.onprem.status).sort()).toEqual(expect.arrayContaining(['done']));
    const counts = await publishCounts();
    const executions = [early, running, aborted, errored, late].map((e) => String(e.executionID));
    expect([...counts.keys()].sort()).toEqual([...executions].sort());
    expect([...counts.values()]).toEqual([1, 1, 1, 1, 1]);
    const byId = new Map((await h.published('onprem')).map((p) => [p.detail.reloadId, p.detail]));
    expect(byId.get(String(early.executionID))).toMatchObject({
      appId: sales.id,
      appName: 'Sales (catalog)',
      status: 'succeeded',
      source: 'poll',
    });
    expect(byId.get(String(running.executionID))).toMatchObject({
      appId: finance.id,
      appName: 'Finance',
      status: 'failed',
      error: 'Connector error: ODBC timeout',
    });
    expect(byId.get(String(aborted.executionID))).toMatchObject({ status: 'canceled' });
    expect(byId.get(String(errored.executionID))).toMatchObject({ status: 'failed' });
    expect((await h.app('onprem', sales.id))!.lastReload).toEqual({
      at: new Date(String(late.stopTime)).toISOString(),
      status: 'succeeded',
    });
  });

  it('lists the polled reloads newest first on GET /api/servers/onprem/reloads', async () => {
    const response = await h.api('GET', '/api/servers/onprem/reloads', { limit: '3' });
    expect(response.status).toBe(200);
    const reloads = response.json().reloads as Array<{ finishedAt: string; source: string }>;
    expect(reloads).toHaveLength(3);
    expect(reloads.map((r) => r.finishedAt)).toEqual([...reloads.map((r) => r.finishedAt)].sort().reverse());
    expect(reloads.every((r) => r.source === 'poll')).toBe(true);
  });

  it('answers 400 to a limit out of range', async () => {
    expect((await h.api('GET', '/api/servers/onprem/reloads', { limit: '0' })).status).toBe(400);
    expect((await h.api('GET', '/api/servers/nowhere/reloads')).status).toBe(404);
  });

  it('publishes no reload event for results of other tasks or without an app, and moves past them', async () => {
    // Prepare: a user sync and an external program task finish, and a result of a non-reload task that names an app
    const before = await publishCounts();
    const others = [
      runOtherTaskExecution(sim.state, 7),
      runOtherTaskExecution(sim.state, 8, { appID: '' }),
      runOtherTaskExecution(sim.state, 7, { appID: sales.id }),
    ];
    sim.clearRequests();

    // Act
    const run = await h.runMonitor();

    // Assess
    expect(run.onprem).toMatchObject({ status: 'done', result: { processed: 0 } });
    expect(await publishCounts()).toEqual(before);
    for (const other of others) expect((await publishCounts()).has(String(other.executionID))).toBe(false);
    const lookups = sim.requests.filter((r) => r.path === '/qrs/reloadtask');
    expect(lookups).toHaveLength(1);
    // Only the result that names an app needs the lookup (the overlap re-reads earlier reloads' tasks too).
    expect(lookups[0]!.query.filter).toContain(`id eq ${String(others[2]!.taskID)}`);
    for (const other of others.slice(0, 2)) expect(lookups[0]!.query.filter).not.toContain(String(other.taskID));
    const next = await h.runMonitor();
    expect(next.onprem).toMatchObject({ status: 'done', result: { processed: 0 } });
  });

  it('asks QRS only for results changed since the watermark', async () => {
    sim.clearRequests();
    await h.runMonitor();
    const polls = sim.requests.filter((r) => r.path.toLowerCase() === '/qrs/executionresult/full');
    expect(polls).toHaveLength(1);
    expect(polls[0]!.query.filter).toMatch(/^modifiedDate gt '\d{4}-\d\d-\d\dT[\d:.]+Z'$/);
  });
});
