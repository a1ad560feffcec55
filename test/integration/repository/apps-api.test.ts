/**
 * The apps API through the real settings-api function handler (`functions/settings-api/handler.ts`, wired from
 * the environment on DynamoDB Local), over a catalog filled by a real sync from the on-prem simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetAdapters } from '#lib/aws/adapters-from-env.ts';
import { inProcessSyncTrigger } from '#lib/repository/repository-api-from-env.ts';
import { callApi } from '#test/support/api-events.ts';
import {
  SiteApps,
  startQlikSenseSimulator,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';
import { startRepository, type RepositoryHarness } from '#test/integration/repository/repository-harness.ts';

let sim: QlikSenseSimulator;
let site: SiteApps;
let repo: RepositoryHarness;
let handler: unknown;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  sim = await startQlikSenseSimulator();
  site = SiteApps.generate(sim.state, { count: 120, streams: 3 });
  site.rename(site.published()[7]!, 'Quarterly Revenue');
  site.rename(site.published()[90]!, 'Revenue by region');
  repo = await startRepository({ onprem: sim, onpremPageSize: 50 });
  await repo.configure('onprem');
  await repo.sync.run({ serverId: 'onprem' });
  for (const [key, value] of Object.entries(repo.aws.env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  resetAdapters();
  handler = (await import('#functions/settings-api/handler.ts')).handler;
});

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetAdapters();
  await repo.close();
  await sim.close();
});

const get = (path: string, query?: Record<string, string>) => callApi(handler, 'GET', path, { query });

describe('apps API', () => {
  it('pages through every app with cursors, in the contract shape', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get('/api/servers/onprem/apps', { limit: '25', ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      const body = response.json() as { apps: Record<string, unknown>[]; nextCursor: string | null };
      seen.push(...body.apps.map((a) => String(a.id)));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);

    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(120);
    const first = (await get('/api/servers/onprem/apps', { limit: '1' })).json().apps[0];
    expect(Object.keys(first).sort()).toEqual([
      'id',
      'lastReload',
      'modifiedAt',
      'name',
      'owner',
      'publishTime',
      'published',
      'stream',
      'syncedAt',
    ]);
    expect(first.stream).toEqual({ id: expect.any(String), name: expect.stringMatching(/^Stream /) });
    expect(first.lastReload).toEqual({ at: expect.any(String), status: 'succeeded' });
  });

  it('filters by a case-insensitive part of the name, across pages', async () => {
    const first = await get('/api/servers/onprem/apps', { q: 'REVENUE', limit: '1' });
    const second = await get('/api/servers/onprem/apps', { q: 'REVENUE', limit: '1', cursor: first.json().nextCursor });

    const names = [...first.json().apps, ...second.json().apps].map((a: { name: string }) => a.name).sort();
    expect(names).toEqual(['Quarterly Revenue', 'Revenue by region']);
    expect(second.json().nextCursor).toBeNull();
    expect((await get('/api/servers/onprem/apps', { q: 'no such app' })).json()).toEqual({
      apps: [],
      nextCursor: null,
    });
  });

  it('answers 400 for a bad limit or cursor, 404 for an unknown server, and an empty list for a server never synced', async () => {
    expect((await get('/api/servers/onprem/apps', { limit: '0' })).status).toBe(400);
    expect((await get('/api/servers/onprem/apps', { limit: '500' })).status).toBe(400);
    expect((await get('/api/servers/onprem/apps', { cursor: 'not-a-cursor' })).json().errors[0].field).toBe('cursor');
    expect((await get('/api/servers/nope/apps')).status).toBe(404);
    expect((await get('/api/servers/cloud/apps')).json()).toEqual({ apps: [], nextCursor: null });
  });

  it('answers 409 to a sync of a server that is not configured', async () => {
    const response = await callApi(handler, 'POST', '/api/servers/cloud/sync');

    expect(response.status).toBe(409);
    expect(response.json().detail).toContain('not configured');
  });

  it('records reloads reported by events, keeping the newest, and says when an app is unknown', async () => {
    const appId = site.published()[0]!.id;

    expect(await repo.catalog.recordReload('onprem', appId, { at: '2031-05-01T10:00:00Z', status: 'failed' })).toEqual({
      appName: site.published()[0]!.name,
    });
    expect(
      await repo.catalog.recordReload('onprem', appId, { at: '2031-04-01T10:00:00Z', status: 'succeeded' }),
    ).toEqual({ appName: site.published()[0]!.name });
    expect(
      await repo.catalog.recordReload('onprem', 'no-such-app', { at: '2031-04-01T10:00:00Z', status: 'succeeded' }),
    ).toBeNull();
    const app = (await repo.stored('onprem')).find((a) => a.appId === appId)!;
    expect(app.lastReload).toEqual({ at: '2031-05-01T10:00:00.000Z', status: 'failed' });
  });

  it("removes a server's apps when the server is deleted", async () => {
    const response = await callApi(handler, 'DELETE', '/api/servers/onprem');

    expect(response.status).toBe(204);
    // The removal runs in the sync function (in-process here): wait for it.
    await inProcessSyncTrigger()!.settled();
    expect(await repo.stored('onprem')).toEqual([]);
  });
});
