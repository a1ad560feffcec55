/**
 * App catalog sync against the Qlik Sense Enterprise simulator (mutual TLS, xrfkey, QRS app table paging) and
 * DynamoDB Local: what a sync writes, and what it must not write.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createScheduledSync } from '#lib/repository/scheduled-sync.ts';
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import {
  SiteApps,
  startQlikSenseSimulator,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';
import {
  settledSync,
  startRepository,
  type RepositoryHarness,
} from '#test/integration/repository/repository-harness.ts';

let sim: QlikSenseSimulator;
let site: SiteApps;
let repo: RepositoryHarness;
/** The next QRS app-table request with this 1-based number fails in the simulator (armed by the test). */
let failTableRequest: number | null = null;
/** How the armed request fails, and how many times in a row (reads are tried up to four times). */
let tableFailure = { status: 500, times: 4 };
/** Runs right before this sync's third app-table request (a change in Qlik while the listing is under way). */
let beforeThirdTable: (() => void) | null = null;
/** Table requests in flight; one makes "the seventh request" the seventh page. */
let concurrency = 2;

beforeAll(async () => {
  sim = await startQlikSenseSimulator();
  site = SiteApps.generate(sim.state, { count: 100, streams: 4, owners: 5 });
});
afterAll(() => sim.close());

beforeEach(async () => {
  failTableRequest = null;
  tableFailure = { status: 500, times: 4 };
  beforeThirdTable = null;
  concurrency = 2;
  repo = await startRepository({
    onprem: sim,
    onpremPageSize: 10,
    onpremConcurrency: () => concurrency,
    wrapQrs: armFaults,
  });
  await repo.configure('onprem');
});
afterEach(() => repo.close());

/** Counts this sync's table requests and arms a simulator failure for the chosen one. */
function armFaults(qrs: QrsClient): QrsClient {
  let tables = 0;
  const post = qrs.post.bind(qrs);
  qrs.post = ((path: string, body: unknown, options?: object) => {
    if (path === '/qrs/app/table') {
      tables++;
      if (tables === failTableRequest)
        sim.faults.failPath({
          method: 'POST',
          path: '/qrs/app/table',
          message: 'Repository database timeout',
          ...tableFailure,
        });
      if (tables === 3) beforeThirdTable?.();
    }
    return post(path, body, options);
  }) as QrsClient['post'];
  return qrs;
}

async function syncOnce() {
  const result = await repo.sync.run({ serverId: 'onprem' });
  return { result, lastSync: (await repo.store.getState('onprem')).lastSync };
}

describe('on-premise app sync', () => {
  it('adds every published app on the first sync, with stream, owner, publish and reload times', async () => {
    const { result, lastSync } = await syncOnce();

    expect(result.status).toBe('succeeded');
    expect(lastSync).toMatchObject({
      status: 'succeeded',
      added: 100,
      updated: 0,
      removed: 0,
      total: 100,
      error: null,
      progress: null,
    });
    const stored = await repo.stored('onprem');
    expect(stored).toHaveLength(100);
    const app = site.published()[0]!;
    const row = stored.find((a) => a.appId === app.id)!;
    const stream = site.streams.find((s) => s.id === (app.stream as { id: string }).id)!;
    expect(row).toMatchObject({ name: app.name, group: { id: stream.id, name: stream.name }, published: true });
    expect(row.owner).toMatch(/^CORP\\analyst\d+$/);
    expect(row.publishTime).toBe(new Date(String(app.publishTime)).toISOString());
    expect(row.lastReload).toEqual({ at: new Date(String(app.lastReloadTime)).toISOString(), status: 'succeeded' });
    expect(row.modifiedAt).toBe(new Date(String(app.modifiedDate)).toISOString());
    // 100 apps in pages of 10 (each after the first re-reading one row), two requests in flight: 10 full pages,
    // and the two requests in flight when the end shows up.
    expect(sim.requests.filter((r) => r.path === '/qrs/app/table')).toHaveLength(12);
  });

  it('records progress while it runs: apps seen so far and the expected total', async () => {
    const records: unknown[] = [];
    const updateState = repo.store.updateState.bind(repo.store);
    repo.store.updateState = async (id, patch) => {
      records.push(patch.lastSync);
      return updateState(id, patch);
    };

    await syncOnce();

    const running = records.filter((r) => (r as { status: string }).status === 'running') as {
      progress: { appsSeen: number; expected?: number };
    }[];
    expect(running[0]?.progress).toEqual({ appsSeen: 0 });
    expect(
      running.some((r) => r.progress.expected === 100 && r.progress.appsSeen > 0 && r.progress.appsSeen < 100),
    ).toBe(true);
    expect(records.at(-1)).toMatchObject({ status: 'succeeded', progress: null });
  });

  it('maps QRS "never" dates to null and leaves unpublished apps out', async () => {
    const app = sim.state.addApp({ name: 'Never reloaded', stream: site.streams[0] });
    sim.state.addApp({ name: 'My work draft' });
    site.refresh();

    await syncOnce();

    const stored = await repo.stored('onprem');
    expect(stored.find((a) => a.name === 'My work draft')).toBeUndefined();
    expect(stored.find((a) => a.appId === app.id)).toMatchObject({ lastReload: null });
    site.remove(app);
  });

  it('writes nothing when a re-sync finds no change', async () => {
    await syncOnce();
    repo.calls.length = 0;

    const { lastSync } = await syncOnce();

    expect(lastSync).toMatchObject({ status: 'succeeded', added: 0, updated: 0, removed: 0, total: 100 });
    expect(repo.writeCalls()).toBe(0);
    expect(repo.calls.filter((c) => c === 'BatchWriteCommand')).toHaveLength(0);
  });

  it('reflects renamed, republished, reloaded and deleted apps, writing only those', async () => {
    await syncOnce();
    const [renamed, republished, reloaded, deleted] = site.published().slice(20, 24) as [
      (typeof site.streams)[0],
      (typeof site.streams)[0],
      (typeof site.streams)[0],
      (typeof site.streams)[0],
    ];
    const otherStream = site.streams.find((s) => s.id !== (republished.stream as { id: string }).id)!;
    site.rename(renamed, 'Revenue (renamed)');
    site.republish(republished, otherStream);
    site.reload(reloaded, '2026-11-27T08:00:00.000Z');
    site.remove(deleted);
    repo.calls.length = 0;

    const { lastSync } = await syncOnce();

    expect(lastSync).toMatchObject({ status: 'succeeded', added: 0, updated: 3, removed: 1, total: 99 });
    const stored = new Map((await repo.stored('onprem')).map((a) => [a.appId, a]));
    expect(stored.get(renamed.id)?.name).toBe('Revenue (renamed)');
    expect(stored.get(republished.id)?.group).toEqual({ id: otherStream.id, name: otherStream.name });
    expect(stored.get(republished.id)?.publishTime).toBe(new Date(String(republished.publishTime)).toISOString());
    expect(stored.get(reloaded.id)?.lastReload).toEqual({ at: '2026-11-27T08:00:00.000Z', status: 'succeeded' });
    expect(stored.has(deleted.id)).toBe(false);
    // Three puts and one delete fit in one BatchWriteItem call.
    expect(repo.calls.filter((c) => c === 'BatchWriteCommand')).toHaveLength(1);
    site.add();
  });

  it('keeps a failed reload reported by the reload monitor when the app is rewritten', async () => {
    await syncOnce();
    const app = site.published()[5]!;
    await repo.catalog.recordReload('onprem', app.id, { at: '2030-01-01T00:00:00Z', status: 'failed' });
    site.rename(app, 'Renamed after a failed reload');

    await syncOnce();

    const row = (await repo.stored('onprem')).find((a) => a.appId === app.id)!;
    expect(row.name).toBe('Renamed after a failed reload');
    expect(row.lastReload).toEqual({ at: '2030-01-01T00:00:00.000Z', status: 'failed' });
  });

  it('leaves the catalog as it was and records the error when page 7 of 10 fails', async () => {
    await syncOnce();
    const before = await repo.stored('onprem');
    // Apps on pages 8 to 10 that Qlik deleted must not be removed by a sync that never saw the rest of the list.
    const late = site.published().slice(75, 78);
    late.forEach((app) => site.remove(app));
    failTableRequest = 7;
    concurrency = 1;

    const { result, lastSync } = await syncOnce();

    expect(result.status).toBe('failed');
    expect(lastSync).toMatchObject({ status: 'failed', removed: 0, progress: null });
    // The seventh page of ten: 10 apps per page, each page after the first starting one row back.
    expect(lastSync?.error).toContain('POST /qrs/app/table?skip=59&take=11');
    expect(lastSync?.error).toContain('500');
    expect(lastSync?.error).toContain('No app was removed');
    expect(await repo.stored('onprem')).toEqual(before);
    late.forEach(() => site.add());
  });

  it('tries a page again when QRS answers 503 once, and the sync completes', async () => {
    failTableRequest = 7;
    tableFailure = { status: 503, times: 1 };
    concurrency = 1;
    sim.clearRequests();

    const { result, lastSync } = await syncOnce();

    expect(result.status).toBe('succeeded');
    expect(lastSync).toMatchObject({ status: 'succeeded', added: 100, total: 100, error: null });
    expect(await repo.stored('onprem')).toHaveLength(100);
    const page7 = sim.requests.filter((r) => r.path === '/qrs/app/table' && r.query.skip === '59');
    expect(page7.map((r) => r.status)).toEqual([503, 201]);
  });

  it("skips removals when Qlik's list moves during the listing, and says so", async () => {
    await syncOnce();
    const victim = site.published()[3]!;
    // Deleting an app on page 1 while the listing is on page 3 shifts every later app up by one place.
    beforeThirdTable = () => site.remove(victim);

    const { lastSync } = await syncOnce();

    expect(lastSync).toMatchObject({ status: 'succeeded', removed: 0, total: 100 });
    expect((lastSync as { warning?: string }).warning).toContain('removals are left to the next sync');
    expect((await repo.stored('onprem')).some((a) => a.appId === victim.id)).toBe(true);
    beforeThirdTable = null;
    expect((await syncOnce()).lastSync).toMatchObject({ status: 'succeeded', removed: 1, total: 99, warning: null });
    site.add();
  });

  it('lets the schedule sync every configured server and skip one that is not configured', async () => {
    const scheduled = createScheduledSync(() => repo.sync);

    const results = await scheduled({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event' });

    expect(results.find((r) => r.serverId === 'onprem')).toMatchObject({ status: 'succeeded' });
    expect(results.find((r) => r.serverId === 'cloud')).toEqual({
      serverId: 'cloud',
      status: 'skipped',
      reason: 'not configured',
    });
    expect((await repo.store.getState('cloud')).lastSync).toBeNull();
  });

  it('runs one sync when two sync requests arrive together, and the schedule skips meanwhile', async () => {
    sim.clearRequests();
    const [first, second] = await Promise.all([
      repo.call('POST', '/api/servers/onprem/sync'),
      repo.call('POST', '/api/servers/onprem/sync'),
    ]);
    const scheduled = await repo.sync.run({ serverId: 'onprem' });

    expect([first.status, second.status].sort()).toEqual([202, 409]);
    const accepted = first.status === 202 ? first : second;
    expect(accepted.json()).toEqual({ status: 'running', startedAt: expect.any(String) });
    expect((first.status === 409 ? first : second).json().detail).toContain('already running');
    expect(scheduled).toEqual({ serverId: 'onprem', status: 'skipped', reason: 'running' });
    const lastSync = await settledSync(repo, 'onprem');
    expect(lastSync).toMatchObject({ status: 'succeeded', added: 100, startedAt: accepted.json().startedAt });
    expect(sim.requests.filter((r) => r.path === '/qrs/app/count')).toHaveLength(1);
    // The lease is free again.
    expect((await repo.call('POST', '/api/servers/onprem/sync')).status).toBe(202);
  });
});
