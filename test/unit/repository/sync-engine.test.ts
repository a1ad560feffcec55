/**
 * The sync engine's decisions on an in-memory catalog: what it writes, what it removes and when, how it batches.
 */
import { describe, expect, it } from 'vitest';
import type {
  AppCatalog,
  AppPage,
  CatalogApp,
  KeyRange,
  StoredApp,
  StoredDigest,
} from '#lib/repository/app-catalog.ts';
import { syncAppCatalog, SyncFailedError } from '#lib/repository/app-catalog-sync.ts';
import { contentHash, normalizeTime } from '#lib/repository/app-hash.ts';
import type { AppListing } from '#lib/repository/app-listing.ts';

/** A catalog in a Map, sorted like DynamoDB, with knobs for unprocessed items and a digest page size. */
class MemoryCatalog implements AppCatalog {
  readonly items = new Map<string, StoredApp>();
  readonly batches: { puts: number; deletes: number }[] = [];
  lookups = 0;
  /** Items DynamoDB "does not process" on the next calls (one per call). */
  unprocessedOnce = 0;

  constructor(private readonly digestPageSize = 3) {}

  async recordReload(): Promise<null> {
    return null;
  }
  async deleteAllApps(): Promise<void> {
    this.items.clear();
  }
  async *streamDigests(_serverId: string, _signal?: AbortSignal, range: KeyRange = {}): AsyncGenerator<StoredDigest[]> {
    const inRange = (id: string) =>
      (range.from === undefined || id >= range.from) && (range.to === undefined || id <= range.to);
    const sorted = [...this.items.values()]
      .filter((a) => inRange(a.appId))
      .sort((a, b) => (a.appId < b.appId ? -1 : 1));
    for (let i = 0; i < sorted.length; i += this.digestPageSize) {
      yield sorted
        .slice(i, i + this.digestPageSize)
        .map((a) => ({ appId: a.appId, hash: a.hash, reloadEvent: a.reloadEvent ?? null }));
    }
  }
  async getDigests(_serverId: string, appIds: string[]): Promise<StoredDigest[]> {
    this.lookups++;
    return appIds.flatMap((id) =>
      this.items.has(id) ? [{ appId: id, hash: this.items.get(id)!.hash, reloadEvent: null }] : [],
    );
  }
  async writeBatch(_serverId: string, batch: { puts: StoredApp[]; deletes: string[] }) {
    this.batches.push({ puts: batch.puts.length, deletes: batch.deletes.length });
    const left = this.unprocessedOnce > 0 && batch.puts.length > 0 ? 1 : 0;
    if (left) this.unprocessedOnce--;
    batch.puts.slice(left).forEach((app) => this.items.set(app.appId, app));
    batch.deletes.forEach((id) => this.items.delete(id));
    return {
      unprocessed: { puts: batch.puts.slice(0, left), deletes: [] },
      writeUnits: batch.puts.length - left + batch.deletes.length,
    };
  }
  async listApps(): Promise<AppPage> {
    return { apps: [], nextCursor: null };
  }
}

const app = (n: number, overrides: Partial<CatalogApp> = {}): CatalogApp => ({
  appId: `app-${String(n).padStart(4, '0')}`,
  name: `App ${n}`,
  group: { id: 's1', name: 'Finance' },
  owner: 'CORP\\ann',
  published: true,
  publishTime: '2026-01-01T00:00:00.000Z',
  lastReload: { at: '2026-02-01T00:00:00.000Z', status: 'succeeded' },
  modifiedAt: '2026-02-01T00:00:00.000Z',
  ...overrides,
});

function listing(pages: CatalogApp[][], options: { failAt?: number; unstable?: boolean } = {}): AppListing {
  return {
    unstable: options.unstable ?? false,
    requests: 0,
    expected: async () => pages.flat().length,
    async *pages() {
      for (let i = 0; i < pages.length; i++) {
        if (i === options.failAt) throw new Error(`page ${i + 1} failed`);
        yield pages[i]!;
      }
    },
    close: async () => undefined,
  };
}

const pagesOf = (apps: CatalogApp[], size: number) =>
  Array.from({ length: Math.ceil(apps.length / size) }, (_, i) => apps.slice(i * size, (i + 1) * size));
const sync = (catalog: MemoryCatalog, apps: CatalogApp[][], options?: Parameters<typeof listing>[1]) =>
  syncAppCatalog({
    catalog,
    serverId: 'onprem',
    listing: listing(apps, options),
    writer: { sleep: async () => undefined },
  });

describe('app catalog sync engine', () => {
  const apps = Array.from({ length: 60 }, (_, i) => app(i));

  it('adds everything on the first sync, in batches of 25', async () => {
    const catalog = new MemoryCatalog();

    const outcome = await sync(catalog, pagesOf(apps, 10));

    expect(outcome).toMatchObject({ added: 60, updated: 0, unchanged: 0, removed: 0, total: 60 });
    expect(catalog.items.size).toBe(60);
    expect(catalog.batches.map((b) => b.puts)).toEqual([25, 25, 10]);
    expect(catalog.items.get('app-0000')?.hash).toBe(contentHash(apps[0]!));
  });

  it('writes nothing when nothing changed, in any listing order', async () => {
    const catalog = new MemoryCatalog();
    await sync(catalog, pagesOf(apps, 10));
    catalog.batches.length = 0;

    const outcome = await sync(catalog, pagesOf([...apps].reverse(), 7));

    expect(outcome).toMatchObject({ added: 0, updated: 0, unchanged: 60, removed: 0, total: 60 });
    expect(catalog.batches).toEqual([]);
  });

  it('writes only changed apps and removes the ones Qlik no longer lists', async () => {
    const catalog = new MemoryCatalog();
    await sync(catalog, pagesOf(apps, 10));
    catalog.batches.length = 0;
    const next = apps
      .filter((a) => a.appId !== 'app-0007')
      .map((a) => (a.appId === 'app-0003' ? { ...a, name: 'Renamed' } : a));

    const outcome = await sync(catalog, pagesOf([...next, app(99)], 10));

    expect(outcome).toMatchObject({ added: 1, updated: 1, removed: 1, total: 60 });
    expect(catalog.batches).toEqual([{ puts: 2, deletes: 1 }]);
    expect(catalog.items.get('app-0003')?.name).toBe('Renamed');
    expect(catalog.items.has('app-0007')).toBe(false);
  });

  it('removes nothing when the listing fails part-way, and reports how far it got', async () => {
    const catalog = new MemoryCatalog();
    await sync(catalog, pagesOf(apps, 10));

    const failed = sync(catalog, pagesOf(apps.slice(0, 30), 5), { failAt: 3 });

    await expect(failed).rejects.toBeInstanceOf(SyncFailedError);
    await expect(failed).rejects.toMatchObject({ counts: { total: 15, removed: 0 }, message: 'page 4 failed' });
    expect(catalog.items.size).toBe(60);
  });

  it("skips removals when the listing says Qlik's list moved", async () => {
    const catalog = new MemoryCatalog();
    await sync(catalog, pagesOf(apps, 10));

    const outcome = await sync(catalog, pagesOf(apps.slice(0, 50), 10), { unstable: true });

    expect(outcome).toMatchObject({ removed: 0, removalsSkipped: true });
    expect(catalog.items.size).toBe(60);
  });

  it('reads the stored digests as key ranges and still finds every stored app', async () => {
    const catalog = new MemoryCatalog(2);
    const spread = ['0a', '3f', '4', '55', '8', '9e', 'c0', 'ff', 'Zulu'].map((id, n) => app(n, { appId: id }));
    await sync(catalog, [spread]);
    catalog.batches.length = 0;

    const outcome = await sync(catalog, [spread.slice(1)]);

    expect(outcome).toMatchObject({ unchanged: 8, removed: 1, added: 0 });
    expect([...catalog.items.keys()].sort()).toEqual(
      spread
        .slice(1)
        .map((a) => a.appId)
        .sort(),
    );
  });

  it('counts an app listed twice (pages shifting) once', async () => {
    const catalog = new MemoryCatalog();

    const outcome = await sync(catalog, [apps.slice(0, 10), apps.slice(9, 20)]);

    expect(outcome).toMatchObject({ added: 20, total: 20 });
  });

  it('retries items DynamoDB left unprocessed until they are stored', async () => {
    const catalog = new MemoryCatalog();
    catalog.unprocessedOnce = 2;

    const outcome = await sync(catalog, pagesOf(apps, 10));

    expect(catalog.items.size).toBe(60);
    expect(outcome.writes).toMatchObject({ puts: 60, retries: 2, calls: 5 });
  });

  it('keeps a newer event-reported reload when an app is rewritten', async () => {
    const catalog = new MemoryCatalog();
    await sync(catalog, [[app(1)]]);
    const stored = catalog.items.get('app-0001')!;
    const event = { at: '2026-03-01T00:00:00.000Z', status: 'failed' as const };
    catalog.items.set('app-0001', { ...stored, lastReload: event, reloadEvent: event });

    await sync(catalog, [[app(1, { name: 'New name' })]]);

    expect(catalog.items.get('app-0001')).toMatchObject({ name: 'New name', lastReload: event, reloadEvent: event });
  });
});

describe('content hash and times', () => {
  it('changes with every kept field and not with the shape of a time', () => {
    const base = app(1);
    const variants: Partial<CatalogApp>[] = [
      { name: 'x' },
      { group: { id: 's2', name: 'Finance' } },
      { group: null },
      { owner: 'CORP\\bob' },
      { published: false },
      { publishTime: null },
      { lastReload: { at: '2026-02-01T00:00:00.000Z', status: 'failed' } },
      { modifiedAt: '2026-02-02T00:00:00.000Z' },
    ];
    const hashes = new Set([contentHash(base), ...variants.map((v) => contentHash({ ...base, ...v }))]);
    expect(hashes.size).toBe(variants.length + 1);
    expect(contentHash(base)).toMatch(/^[0-9a-f]{16}$/);
    expect(normalizeTime('2026-02-01T00:00:00Z')).toBe(normalizeTime('2026-02-01T00:00:00.000Z'));
  });

  it('reads QRS "never", blanks and garbage as null', () => {
    expect(normalizeTime('1753-01-01T00:00:00.000Z')).toBeNull();
    expect(normalizeTime('')).toBeNull();
    expect(normalizeTime('soon')).toBeNull();
    expect(normalizeTime(undefined)).toBeNull();
    expect(normalizeTime('2024-05-01T10:00:00.123+02:00')).toBe('2024-05-01T08:00:00.123Z');
  });
});
