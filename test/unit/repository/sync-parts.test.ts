/**
 * The pieces the sync is built from: batching with backoff, the compact index, page prefetch and merge, the two
 * listings' paging rules and mapping, and the Tier 1 request budget.
 */
import { describe, expect, it } from 'vitest';
import type { AppCatalog, StoredApp } from '#lib/repository/app-catalog.ts';
import { mergePages, prefetch } from '#lib/repository/app-listing.ts';
import { BatchWriteError, BatchWriter } from '#lib/repository/batch-writer.ts';
import { compareKeys, SyncIndex } from '#lib/repository/sync-index.ts';
import { OnPremAppListing } from '#lib/qlik/onprem/app-listing.ts';
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { reloadStatusOf, toCatalogApp } from '#lib/qlik/cloud/app-listing.ts';
import { RequestBudget } from '#lib/qlik/cloud/request-budget.ts';
import { decodeCursor, encodeCursor } from '#lib/repository/dynamodb-app-catalog.ts';

const stored = (appId: string) => ({ appId }) as StoredApp;

describe('batch writer', () => {
  it('backs off with growing, capped, jittered waits while DynamoDB leaves items unprocessed, then gives up', async () => {
    const waits: number[] = [];
    const catalog = {
      writeBatch: async (_: string, batch: { puts: StoredApp[] }) => ({
        unprocessed: { puts: batch.puts, deletes: [] },
        writeUnits: 0,
      }),
    } as unknown as AppCatalog;
    const writer = new BatchWriter(catalog, 'cloud', {
      maxAttempts: 5,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      random: () => 1,
      sleep: async (ms) => void waits.push(ms),
    });

    await writer.put(stored('a'));
    const flushed = writer.flush();

    await expect(flushed).rejects.toBeInstanceOf(BatchWriteError);
    expect(waits).toEqual([200, 400, 800, 1_000]);
    expect(writer.stats).toMatchObject({ calls: 5, retries: 4, items: 0 });
  });

  it('never has more batches in flight than allowed', async () => {
    let inFlight = 0;
    let peak = 0;
    const catalog = {
      writeBatch: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return { unprocessed: { puts: [], deletes: [] }, writeUnits: 25 };
      },
    } as unknown as AppCatalog;
    const writer = new BatchWriter(catalog, 'cloud', { maxInFlight: 3 });

    for (let i = 0; i < 500; i++) await writer.put(stored(`a${i}`));
    await writer.flush();

    expect(peak).toBe(3);
    expect(writer.stats).toMatchObject({ calls: 20, items: 500, writeUnits: 500 });
  });
});

describe('sync index', () => {
  it('knows stored apps, what was seen, and what is left to remove', () => {
    const index = new SyncIndex();
    for (let i = 0; i < 3_000; i++)
      index.addStored({
        appId: `id-${i}`,
        hash: 'a'.repeat(16),
        reloadEvent: i === 1 ? { at: '2026-01-01T00:00:00.000Z', status: 'failed' } : null,
      });
    index.markComplete();
    for (let i = 1; i < 3_000; i++) index.markSeen(`id-${i}`);

    expect(index.markSeen('id-5')).toBe(false);
    expect(index.hasHash('id-2', 'a'.repeat(16))).toBe(true);
    expect(index.hasHash('id-2', 'b'.repeat(16))).toBe(false);
    expect(index.reloadEvent('id-1')).toEqual({ at: '2026-01-01T00:00:00.000Z', status: 'failed' });
    expect([...index.storedNotSeen()]).toEqual(['id-0']);
  });

  it('knows an id is not stored once the digest stream of its key range has passed it', () => {
    const index = new SyncIndex(['4', '8']);
    index.coverUpTo('2a', 0);
    index.markComplete(2);

    expect(index.ranges()).toEqual([{ to: '4' }, { from: '4', to: '8' }, { from: '8' }]);
    expect(index.isKnown('1f')).toBe(true);
    expect(index.isKnown('3f')).toBe(false);
    expect(index.isKnown('5a')).toBe(false);
    expect(index.isKnown('f0')).toBe(true);
    expect(compareKeys('\uffff', '\u{1f600}')).toBeLessThan(0);
  });
});

describe('page pipelines', () => {
  it('asks for the next page before the consumer is done with the current one', async () => {
    const log: string[] = [];
    async function* source() {
      for (let i = 0; i < 3; i++) {
        log.push(`fetch ${i}`);
        yield i;
      }
    }
    for await (const page of prefetch(source(), 1)) log.push(`use ${page}`);

    expect(log).toEqual(['fetch 0', 'fetch 1', 'use 0', 'fetch 2', 'use 1', 'use 2']);
  });

  it('merges streams as pages arrive', async () => {
    const delayed = async function* (name: string, ms: number) {
      for (let i = 0; i < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        yield `${name}${i}`;
      }
    };
    const seen: string[] = [];
    for await (const page of mergePages([delayed('slow', 30), delayed('fast', 5)])) seen.push(page);

    expect(seen.sort()).toEqual(['fast0', 'fast1', 'slow0', 'slow1']);
    expect(seen.indexOf('fast1')).toBeLessThan(seen.indexOf('slow1'));
  });

  it('cursors round-trip and a foreign one is a 400', () => {
    expect(decodeCursor(encodeCursor('a/b c'))).toBe('a/b c');
    expect(() => decodeCursor('bogus')).toThrow(/cursor/);
  });
});

describe('on-premise listing', () => {
  const columns = [
    'id',
    'name',
    'streamId',
    'streamName',
    'ownerDirectory',
    'ownerUserId',
    'published',
    'publishTime',
    'lastReloadTime',
    'modifiedDate',
  ];
  const row = (id: string) => [
    id,
    `App ${id}`,
    's1',
    'Finance',
    'CORP',
    'ann',
    true,
    '2026-01-01T00:00:00.000Z',
    '1753-01-01T00:00:00.000Z',
    '2026-01-02T00:00:00.000Z',
  ];

  function fakeQrs(ids: () => string[]) {
    const calls: Record<string, unknown>[] = [];
    const qrs = {
      requestCount: 0,
      post: async (_path: string, _body: unknown, options: { query: { skip: number; take: number } }) => {
        calls.push(options.query);
        return {
          columnNames: columns,
          rows: ids()
            .slice(options.query.skip, options.query.skip + options.query.take)
            .map(row),
        };
      },
      close: async () => undefined,
    } as unknown as QrsClient;
    return { qrs, calls };
  }

  it("pages with skip/take sorted by id, re-reading the previous page's last row", async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `id-${String(i).padStart(2, '0')}`);
    const { qrs, calls } = fakeQrs(() => ids);
    const listing = new OnPremAppListing(qrs, { pageSize: 10, concurrency: 1 });

    const pages: string[][] = [];
    for await (const page of listing.pages(new AbortController().signal)) pages.push(page.map((a) => a.appId));

    expect(pages.flat()).toEqual(ids);
    expect(calls).toEqual([
      { skip: 0, take: 10, sortColumn: 'id', orderAscending: true },
      { skip: 9, take: 11, sortColumn: 'id', orderAscending: true },
      { skip: 19, take: 11, sortColumn: 'id', orderAscending: true },
    ]);
    expect(listing.unstable).toBe(false);
  });

  it('reports itself unstable when an app before the cursor disappears mid-listing', async () => {
    let ids = Array.from({ length: 25 }, (_, i) => `id-${String(i).padStart(2, '0')}`);
    const { qrs, calls } = fakeQrs(() => ids);
    const listing = new OnPremAppListing(qrs, { pageSize: 10, concurrency: 1 });

    let first = true;
    for await (const _page of listing.pages(new AbortController().signal)) {
      if (first) ids = ids.filter((id) => id !== 'id-02');
      first = false;
    }
    expect(calls.length).toBe(3);

    expect(listing.unstable).toBe(true);
  });

  it('maps a row: owner as DIRECTORY\\user, QRS never as null, lastReloadTime as a successful reload', async () => {
    const { qrs } = fakeQrs(() => ['only']);
    const listing = new OnPremAppListing(qrs, { pageSize: 10 });

    const pages = [];
    for await (const page of listing.pages(new AbortController().signal)) pages.push(page);
    const [page] = pages;

    expect(page![0]).toEqual({
      appId: 'only',
      name: 'App only',
      group: { id: 's1', name: 'Finance' },
      owner: 'CORP\\ann',
      published: true,
      publishTime: '2026-01-01T00:00:00.000Z',
      lastReload: null,
      modifiedAt: '2026-01-02T00:00:00.000Z',
    });
  });
});

describe('Qlik Cloud listing', () => {
  it('maps an item: app id from resourceId, space name, reload status', () => {
    const app = toCatalogApp(
      {
        id: 'item1',
        name: 'Sales',
        resourceId: 'app-1',
        spaceId: 'sp1',
        ownerId: 'u1',
        resourceUpdatedAt: '2026-01-01T00:00:00Z',
        resourceReloadEndTime: '2026-01-02T00:00:00Z',
        resourceReloadStatus: 'ok',
        resourceAttributes: { published: true, publishTime: '2026-01-01T00:00:00Z' },
      },
      new Map([['sp1', 'Finance']]),
    );

    expect(app).toEqual({
      appId: 'app-1',
      name: 'Sales',
      group: { id: 'sp1', name: 'Finance' },
      owner: 'u1',
      published: true,
      publishTime: '2026-01-01T00:00:00.000Z',
      lastReload: { at: '2026-01-02T00:00:00.000Z', status: 'succeeded' },
      modifiedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(['error', 'CANCELLED', 'weird'].map(reloadStatusOf)).toEqual(['failed', 'canceled', 'unknown']);
  });

  it('keeps requests inside the budget window, waiting for the oldest to leave it', async () => {
    let now = 0;
    const waits: number[] = [];
    const budget = new RequestBudget({
      requests: 3,
      windowMs: 1_000,
      now: () => now,
      sleep: async (ms) => void (waits.push(ms), (now += ms)),
    });

    for (let i = 0; i < 3; i++) {
      await budget.take();
      now += 100;
    }
    await budget.take();

    expect(waits).toEqual([700]);
    expect(budget.waits).toBe(1);
  });
});
