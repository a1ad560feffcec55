/**
 * App catalog sync against the Qlik Cloud simulator (HTTPS, OAuth M2M token, Items and Spaces APIs, 429s) and
 * DynamoDB Local.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeCloudClients } from '#lib/qlik/cloud/cloud-client.ts';
import { clearCloudTokenCache } from '#lib/qlik/cloud/token-provider.ts';
import {
  SimHttpError,
  startQlikCloudSimulator,
  TenantApps,
  type QlikCloudSimulator,
} from '#test/simulators/qlik-cloud/index.ts';
import {
  CLOUD_CLIENT,
  startRepository,
  type RepositoryHarness,
} from '#test/integration/repository/repository-harness.ts';

let sim: QlikCloudSimulator;
let tenant: TenantApps;
let repo: RepositoryHarness;
/** Called on every items request with its 1-based number in the current sync. */
let onItemsRequest: ((n: number) => void) | null = null;
let itemsRequests = 0;

beforeAll(async () => {
  tenant = new TenantApps({ count: 1_000, personalShare: 0.1 });
  const routes = tenant.routes();
  const at = routes.findIndex((r) => r.pattern.test('/api/v1/items'));
  const items = routes[at]!;
  routes[at] = {
    ...items,
    handle: (state, req, params, auth) => {
      onItemsRequest?.(++itemsRequests);
      return items.handle(state, req, params, auth);
    },
  };
  sim = await startQlikCloudSimulator({ clients: [CLOUD_CLIENT], routes });
});
afterAll(async () => {
  await closeCloudClients();
  await sim.close();
});

beforeEach(async () => {
  clearCloudTokenCache();
  onItemsRequest = null;
  repo = await startRepository({ cloud: sim });
  await repo.configure('cloud');
});
afterEach(() => repo.close());

async function syncOnce() {
  itemsRequests = 0;
  sim.requests.length = 0;
  const result = await repo.sync.run({ serverId: 'cloud' });
  return { result, lastSync: (await repo.store.getState('cloud')).lastSync };
}

describe('Qlik Cloud app sync', () => {
  it('adds the apps of shared and managed spaces on the first sync, with space names, following links.next', async () => {
    const expected = tenant.synced();

    const { lastSync } = await syncOnce();

    expect(lastSync).toMatchObject({
      status: 'succeeded',
      added: expected.length,
      removed: 0,
      total: expected.length,
      error: null,
    });
    const stored = new Map((await repo.stored('cloud')).map((a) => [a.appId, a]));
    expect(stored.size).toBe(expected.length);
    const personal = tenant.list().find((a) => a.spaceId === null)!;
    expect(stored.has(personal.appId)).toBe(false);
    const app = expected[0]!;
    const space = tenant.spaces.find((s) => s.id === app.spaceId)!;
    expect(stored.get(app.appId)).toMatchObject({
      name: app.name,
      group: { id: space.id, name: space.name },
      owner: app.ownerId,
      modifiedAt: app.updatedAt.replace('Z', '').replace(/(\.\d+)?$/, '.000') + 'Z',
      lastReload: {
        at: new Date(app.reloadEndTime!).toISOString(),
        status: app.reloadStatus === 'ok' ? 'succeeded' : 'failed',
      },
    });
    const items = sim.requests.filter((r) => r.path === '/api/v1/items');
    const [shared, managed] = (['shared', 'managed'] as const).map((t) => tenant.synced([t]).length);
    expect(items).toHaveLength(Math.ceil(shared! / 100) + Math.ceil(managed! / 100));
    expect([...new Set(items.map((r) => new URLSearchParams(r.query).get('spaceType')))].sort()).toEqual([
      'managed',
      'shared',
    ]);
    expect(sim.requests.filter((r) => r.path === '/api/v1/spaces')).toHaveLength(1);
  });

  it('writes nothing when a re-sync finds no change', async () => {
    await syncOnce();
    repo.calls.length = 0;

    const { lastSync } = await syncOnce();

    expect(lastSync).toMatchObject({
      status: 'succeeded',
      added: 0,
      updated: 0,
      removed: 0,
      total: tenant.synced().length,
    });
    expect(repo.writeCalls()).toBe(0);
  });

  it('reflects renamed, moved, reloaded and deleted apps', async () => {
    await syncOnce();
    const [renamed, moved, reloaded, deleted] = tenant.synced().slice(100, 104) as [
      ReturnType<TenantApps['add']>,
      ReturnType<TenantApps['add']>,
      ReturnType<TenantApps['add']>,
      ReturnType<TenantApps['add']>,
    ];
    const target = tenant.spaces.find((s) => s.type === 'shared' && s.id !== moved.spaceId)!;
    tenant.rename(renamed, 'Margin (renamed)');
    tenant.move(moved, target);
    tenant.reload(reloaded, 'error');
    tenant.remove(deleted);

    const { lastSync } = await syncOnce();

    expect(lastSync).toMatchObject({ status: 'succeeded', added: 0, updated: 3, removed: 1 });
    const stored = new Map((await repo.stored('cloud')).map((a) => [a.appId, a]));
    expect(stored.get(renamed.appId)?.name).toBe('Margin (renamed)');
    expect(stored.get(moved.appId)?.group).toEqual({ id: target.id, name: target.name });
    expect(stored.get(reloaded.appId)?.lastReload).toEqual({
      at: new Date(reloaded.reloadEndTime!).toISOString(),
      status: 'failed',
    });
    expect(stored.has(deleted.appId)).toBe(false);
    tenant.add({ space: target });
  });

  it('waits out a 429 in the middle of the listing and finishes the sync', async () => {
    onItemsRequest = (n) => {
      if (n === 4)
        sim.state.faults.rateLimitStorm = { remaining: 1, retryAfterSeconds: 1, pathPrefix: '/api/v1/items' };
    };
    const started = Date.now();

    const { lastSync } = await syncOnce();

    expect(lastSync).toMatchObject({ status: 'succeeded', total: tenant.synced().length, error: null });
    const statuses = sim.requests.filter((r) => r.path === '/api/v1/items').map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.indexOf(429)).toBe(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('removes nothing and records the error when a page fails half-way', async () => {
    await syncOnce();
    const before = await repo.stored('cloud');
    tenant
      .synced()
      .slice(-3)
      .forEach((app) => tenant.remove(app));
    onItemsRequest = (n) => {
      if (n === 5) throw new SimHttpError(500, 'ITEMS-500', 'Internal Server Error', 'items store unavailable');
    };

    const { result, lastSync } = await syncOnce();

    expect(result.status).toBe('failed');
    expect(lastSync).toMatchObject({ status: 'failed', removed: 0 });
    expect(lastSync?.error).toContain('GET /api/v1/items');
    expect(lastSync?.error).toContain('No app was removed');
    expect(await repo.stored('cloud')).toEqual(before);
    for (let i = 0; i < 3; i++) tenant.add({ space: tenant.spaces[0]! });
  });
});
