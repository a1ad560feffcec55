/**
 * One writer per server's catalog: a sync that loses its lease (taken over, or a renewal that fails) stops before
 * its next write, and a server's DELETE takes the same lease, so it cannot interleave with a sync. DynamoDB Local,
 * the real lease provider and the Qlik Sense Enterprise simulator.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { syncLeaseName } from '#lib/repository/app-sync-service.ts';
import type { LastSync } from '#lib/servers/server-record.ts';
import { DynamoDbLeaseProvider } from '#lib/leases/dynamodb-lease.ts';
import {
  SiteApps,
  startQlikSenseSimulator,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';
import {
  settledSync,
  startRepository,
  type HarnessOptions,
  type RepositoryHarness,
} from '#test/integration/repository/repository-harness.ts';

let sim: QlikSenseSimulator;
let repo: RepositoryHarness | undefined;
/** Runs at this sync's third app-table request; the request goes on when the returned promise settles. */
let atThirdTable: ((signal: AbortSignal | undefined) => Promise<void>) | null = null;

beforeAll(async () => {
  sim = await startQlikSenseSimulator();
  SiteApps.generate(sim.state, { count: 100, streams: 2 });
});
afterAll(() => sim.close());
afterEach(async () => {
  atThirdTable = null;
  await repo?.close();
  repo = undefined;
});

function gateThirdTable(qrs: QrsClient): QrsClient {
  let tables = 0;
  const post = qrs.post.bind(qrs);
  qrs.post = (async (path: string, body: unknown, options?: { signal?: AbortSignal }) => {
    if (path === '/qrs/app/table' && ++tables === 3 && atThirdTable) await atThirdTable(options?.signal);
    return post(path, body, options);
  }) as QrsClient['post'];
  return qrs;
}

async function start(sync: HarnessOptions['sync'] = {}) {
  // Pages of 10, one request in flight: two pages (20 apps, under one batch of 25) are listed before the gate.
  repo = await startRepository({
    onprem: sim,
    onpremPageSize: 10,
    onpremConcurrency: () => 1,
    wrapQrs: gateThirdTable,
    sync: { leaseTtlMs: 6_000, ...sync },
  });
  await repo.configure('onprem');
  return repo;
}

/** Every write to the catalog or to lastSync from now on. */
function recordWrites(harness: RepositoryHarness) {
  const from = harness.writeCalls();
  const records: LastSync[] = [];
  const updateState = harness.store.updateState.bind(harness.store);
  harness.store.updateState = async (id, patch) => {
    if (patch.lastSync) records.push(patch.lastSync);
    return updateState(id, patch);
  };
  return { appWrites: () => harness.writeCalls() - from, records };
}

const aborted = (signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) =>
    signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true }),
  );

describe('sync lease', () => {
  it('stops a sync whose lease was taken over, with no further write to the catalog or to lastSync', async () => {
    const harness = await start();
    let writes: ReturnType<typeof recordWrites> | undefined;
    atThirdTable = async (signal) => {
      // Prepare: the lease "expired" and another run took it.
      await harness.aws.documentClient.send(
        new PutCommand({
          TableName: harness.aws.serversTableName,
          Item: { id: `lease#${syncLeaseName('onprem')}`, owner: 'another-run', leaseUntil: Date.now() + 60_000 },
        }),
      );
      // Writes already on their way when the lease was taken are the fence's known window (lease-keeper.ts: the
      // holder learns of a takeover at its next renewal); from the moment the run knows, nothing more may be written.
      await aborted(signal);
      writes = recordWrites(harness);
    };

    // Act
    const result = await harness.sync.run({ serverId: 'onprem' });

    // Assess
    // Whichever the run notices first: the renewal refused, or no renewal confirmed in time.
    expect(result).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/Someone else took the lease|lease ran out/),
    });
    expect(writes!.appWrites()).toBe(0);
    expect(writes!.records).toEqual([]);
    expect(await harness.stored('onprem')).toEqual([]);
  });

  it('stops a sync whose lease renewal fails before its next write (it cannot know whether it still holds the lease)', async () => {
    const harness = await start();
    const leases = new DynamoDbLeaseProvider(harness.aws.documentClient, harness.aws.serversTableName);
    let renewalFailed!: () => void;
    const failed = new Promise<void>((resolve) => (renewalFailed = resolve));
    // A lease whose renewals fail (DynamoDB unreachable from this container, say).
    harness.sync['deps'].leases = {
      tryAcquire: async (name, ttl, owner) => {
        const lease = await leases.tryAcquire(name, ttl, owner);
        return (
          lease && { ...lease, renew: async () => (renewalFailed(), Promise.reject(new Error('connect ETIMEDOUT'))) }
        );
      },
    };
    let writes: ReturnType<typeof recordWrites> | undefined;
    atThirdTable = async () => {
      await failed;
      writes = recordWrites(harness);
    };

    const result = await harness.sync.run({ serverId: 'onprem' });

    expect(result).toMatchObject({ status: 'failed', error: expect.stringContaining('could not be renewed') });
    expect(writes!.appWrites()).toBe(0);
    expect(writes!.records).toEqual([]);
    expect(await harness.stored('onprem')).toEqual([]);
  });
});

describe('deleting a server', () => {
  it('answers 409 while a sync runs; once it finished, the delete removes every app in the sync function, with progress', async () => {
    const harness = await start({ leaseTtlMs: 60_000 });
    await harness.sync.run({ serverId: 'onprem' });
    expect(await harness.stored('onprem')).toHaveLength(100);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reachedGate!: () => void;
    const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
    atThirdTable = () => (reachedGate(), gate);
    const started = await harness.call('POST', '/api/servers/onprem/sync');
    expect(started.status).toBe(202);
    await atGate;

    // Act: delete while the sync is under way
    const refused = await harness.call('DELETE', '/api/servers/onprem');

    expect(refused.status).toBe(409);
    expect(refused.json().detail).toContain('once it has finished');
    expect(await harness.store.get('onprem')).not.toBeNull();

    // Act: delete after the sync finished
    atThirdTable = null;
    release();
    expect(await settledSync(harness, 'onprem')).toMatchObject({ status: 'succeeded', total: 100 });
    const records = recordWrites(harness).records;
    const deleted = await harness.call('DELETE', '/api/servers/onprem');

    // Assess
    expect(deleted.status).toBe(204);
    expect(await harness.store.get('onprem')).toBeNull();
    expect(await settledSync(harness, 'onprem')).toMatchObject({
      status: 'succeeded',
      removed: 100,
      total: 0,
      error: null,
    });
    expect(records[0]).toMatchObject({ status: 'running', progress: { appsSeen: 0, expected: 100 } });
    expect(await harness.stored('onprem')).toEqual([]);
    expect((await harness.call('GET', '/api/servers/onprem')).json()).toMatchObject({
      configured: false,
      lastSync: { status: 'succeeded', removed: 100 },
    });
  });

  it('lets the schedule finish removing the apps of a server deleted half-way', async () => {
    const harness = await start();
    await harness.sync.run({ serverId: 'onprem' });
    await harness.store.delete('onprem');

    const results = await harness.sync.runAll();

    expect(results.find((r) => r.serverId === 'onprem')).toMatchObject({
      status: 'succeeded',
      outcome: { removed: 100 },
    });
    expect(await harness.stored('onprem')).toEqual([]);
    expect((await harness.sync.runAll()).find((r) => r.serverId === 'onprem')).toMatchObject({
      status: 'skipped',
      reason: 'not configured',
    });
  });
});
