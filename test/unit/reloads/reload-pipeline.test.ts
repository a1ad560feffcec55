import { beforeEach, describe, expect, it } from 'vitest';
import type { ReloadObservation } from '#lib/reloads/reload-event.ts';
import { ReloadPipeline } from '#lib/reloads/reload-pipeline.ts';
import { MemoryCatalog, MemoryHistory, MemoryLedger, MemoryPublisher } from '#test/unit/reloads/fakes.ts';

const observation: ReloadObservation = {
  serverId: 'cloud',
  appId: 'app-1',
  appName: 'Name from Qlik',
  reloadId: 'reload-1',
  status: 'failed',
  startedAt: '2026-03-01T09:59:00.000Z',
  finishedAt: '2026-03-01T10:00:00.000Z',
  source: 'webhook',
  error: 'Table not found',
};

describe('reload pipeline', () => {
  let ledger: MemoryLedger;
  let history: MemoryHistory;
  let catalog: MemoryCatalog;
  let publisher: MemoryPublisher;
  let pipeline: ReloadPipeline;
  let clock: number;

  beforeEach(() => {
    clock = Date.parse('2026-03-01T10:00:10Z');
    ledger = new MemoryLedger(() => clock);
    history = new MemoryHistory();
    catalog = new MemoryCatalog();
    publisher = new MemoryPublisher();
    pipeline = new ReloadPipeline({ ledger, history, catalog, publisher, claimLeaseMs: 60_000 });
  });

  it('updates the catalog, keeps a record and publishes once, with the catalog name winning', async () => {
    // Prepare
    catalog.apps.set('cloud#app-1', { name: 'Sales (catalog)' });

    // Act
    const outcome = await pipeline.process('cloud#evt-1', observation);

    // Assess
    expect(outcome).toBe('processed');
    expect(catalog.apps.get('cloud#app-1')!.lastReload).toEqual({ at: observation.finishedAt, status: 'failed' });
    expect(publisher.published).toEqual([{ ...observation, appName: 'Sales (catalog)' }]);
    expect([...history.records.values()]).toEqual(publisher.published);
    expect(ledger.items.get('cloud#evt-1')!.state).toBe('done');
  });

  it('keeps Qlik’s app name, or null, for an app the catalog does not know', async () => {
    await pipeline.process('k1', observation);
    const { appName: _name, ...withoutName } = observation;
    await pipeline.process('k2', { ...withoutName, reloadId: 'reload-2' });
    expect(publisher.published.map((e) => e.appName)).toEqual(['Name from Qlik', null]);
  });

  it('changes nothing for the same key twice', async () => {
    // Prepare
    catalog.apps.set('cloud#app-1', { name: 'Sales (catalog)' });
    await pipeline.process('cloud#evt-1', observation);
    const app = structuredClone(catalog.apps.get('cloud#app-1'));

    // Act
    const outcome = await pipeline.process('cloud#evt-1', observation);

    // Assess: nothing published or recorded again; the catalog update beside the claim wrote the same reload
    expect(outcome).toBe('duplicate');
    expect(publisher.published).toHaveLength(1);
    expect(history.records.size).toBe(1);
    expect(catalog.apps.get('cloud#app-1')).toEqual(app);
  });

  it('releases the claim when publishing fails, so the retry processes the event', async () => {
    // Prepare
    publisher.failNext = 1;

    // Act
    await expect(pipeline.process('cloud#evt-1', observation)).rejects.toThrow('EventBridge is down');
    const retry = await pipeline.process('cloud#evt-1', observation);

    // Assess
    expect(retry).toBe('processed');
    expect(publisher.published).toHaveLength(1);
    expect(history.records.size).toBe(1);
  });

  it('releases the claim when only the history record fails, so the retry records it (publishing again)', async () => {
    // Prepare: the publish goes out beside the failing history write
    history.failNext = 1;

    // Act
    await expect(pipeline.process('cloud#evt-1', observation)).rejects.toThrow('DynamoDB is down');
    const retry = await pipeline.process('cloud#evt-1', observation);

    // Assess: the history has the event; subscribers see it twice and dedupe on (serverId, reloadId)
    expect(retry).toBe('processed');
    expect(history.records.size).toBe(1);
    expect(publisher.published.map((e) => e.reloadId)).toEqual(['reload-1', 'reload-1']);
    expect(ledger.items.get('cloud#evt-1')!.state).toBe('done');
  });

  it('keeps the claim when only marking it done fails, so a retry does not publish again', async () => {
    // Prepare
    ledger.complete = async () => {
      throw new Error('throttled');
    };

    // Act
    await expect(pipeline.process('cloud#evt-1', observation)).rejects.toThrow('throttled');
    const retry = await pipeline.process('cloud#evt-1', observation);

    // Assess
    expect(retry).toBe('in-progress');
    expect(publisher.published).toHaveLength(1);
  });

  it('lets another worker take over a claim whose lease expired (a crashed worker)', async () => {
    // Prepare: a claim that was never completed nor released
    await ledger.claim('cloud#evt-1', 60_000);
    expect(await pipeline.process('cloud#evt-1', observation)).toBe('in-progress');

    // Act
    clock += 61_000;
    const outcome = await pipeline.process('cloud#evt-1', observation);

    // Assess
    expect(outcome).toBe('processed');
    expect(publisher.published).toHaveLength(1);
  });
});
