/**
 * Published apps of a Qlik Sense Enterprise site, page by page, for the app catalog sync.
 *
 * Why `POST /qrs/app/table` and not `GET /qrs/app/full`: `/full` has no paging, so a site with 100,000 apps
 * answers with one JSON array of every property of every app (owner, stream, tags, custom properties,
 * privileges…, roughly 1.5 KB per app), which would have to be buffered and parsed whole: memory would grow
 * with the site. The table endpoint pages with skip/take and returns only the columns we ask for (about 300
 * bytes per app).
 *
 * Offset paging over a list that changes can skip an app: if an app before the cursor is deleted, every later
 * app moves up one place and one crosses the page boundary unseen. The listing is sorted by id and each page
 * re-reads the previous page's last row; when that row is not where it was, Qlik's list moved and the listing
 * reports itself `unstable`, so the sync leaves removals to the next run instead of removing an app it missed.
 */
import { normalizeTime } from '#lib/repository/app-hash.ts';
import type { CatalogApp } from '#lib/repository/app-catalog.ts';
import type { AppListing } from '#lib/repository/app-listing.ts';
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';

export const PUBLISHED_FILTER = 'published eq true';
/** Rows per page: large enough to keep requests (and QRS's per-request cost) low, small enough to stream. */
export const DEFAULT_PAGE_SIZE = 500;
/** A table page of 500 rows takes QRS longer than a plain call. */
const PAGE_TIMEOUT_MS = 60_000;

/** The columns we keep; the names are ours (no spaces allowed), the definitions are QRS property paths. */
export const APP_TABLE_COLUMNS = [
  ['id', 'id'],
  ['name', 'name'],
  ['streamId', 'stream.id'],
  ['streamName', 'stream.name'],
  ['ownerDirectory', 'owner.userDirectory'],
  ['ownerUserId', 'owner.userId'],
  ['published', 'published'],
  ['publishTime', 'publishTime'],
  ['lastReloadTime', 'lastReloadTime'],
  ['modifiedDate', 'modifiedDate'],
] as const;

type ColumnName = (typeof APP_TABLE_COLUMNS)[number][0];

export const APP_TABLE_DEFINITION = {
  type: 'App',
  // The spec types columnType as an integer enum (1 = Property); Qlik's help example writes the name. The number is
  // what the published spec allows, and Json.NET, behind QRS, reads enum numbers whatever its converter settings.
  columns: APP_TABLE_COLUMNS.map(([name, definition]) => ({ name, columnType: 1, definition })),
};

interface QrsTable {
  columnNames?: string[];
  rows?: unknown[][];
}

export interface OnPremListingOptions {
  pageSize?: number;
  /** Table requests in flight at once; the QRS client needs as many connections. */
  concurrency?: number;
}

/** Two requests in flight hide QRS's own time per page behind the next round trip, without loading QRS much. */
export const DEFAULT_CONCURRENCY = 2;

export class OnPremAppListing implements AppListing {
  unstable = false;
  private readonly pageSize: number;
  private readonly concurrency: number;

  constructor(
    private readonly qrs: QrsClient,
    options: OnPremListingOptions = {},
  ) {
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  }

  get requests(): number {
    return this.qrs.requestCount;
  }

  async expected(signal: AbortSignal): Promise<number | null> {
    const count = await this.qrs.get<number | { value?: number }>('/qrs/app/count', {
      filter: PUBLISHED_FILTER,
      signal,
    });
    const value = typeof count === 'number' ? count : count?.value;
    return typeof value === 'number' ? value : null;
  }

  /**
   * Keeps `concurrency` table requests in flight (skip/take pages are independent), so QRS's time per page
   * overlaps with the next request's round trip; pages are still handed on in order.
   */
  async *pages(signal: AbortSignal): AsyncGenerator<CatalogApp[]> {
    const inFlight: Promise<QrsTable | undefined>[] = [];
    let requested = 0;
    let ended = false;
    const fill = () => {
      while (!ended && inFlight.length < this.concurrency) {
        const page = this.requestPage(requested++, signal);
        page.catch(() => undefined);
        inFlight.push(page);
      }
    };
    let lastId: string | null = null;
    try {
      fill();
      for (let index = 0; inFlight.length > 0; index++) {
        const table = await inFlight.shift()!;
        const rows: unknown[][] = table?.rows ?? [];
        const read = rowReader(table?.columnNames);
        let apps: CatalogApp[] = rows.map((row) => toCatalogApp(read, row));
        // From the second page on, the first row re-reads the previous page's last one: is it still there?
        if (index > 0) {
          if (lastId !== null && apps[0]?.appId === lastId) apps = apps.slice(1);
          else if (apps.length > 0) this.unstable = true;
        }
        if (apps.length < this.pageSize || rows.length === 0) ended = true;
        else fill();
        lastId = apps[apps.length - 1]?.appId ?? lastId;
        if (apps.length > 0) yield apps;
        if (ended) return;
      }
    } finally {
      ended = true;
      // Requests sent past the end answer empty pages; let them settle before the connection closes.
      await Promise.allSettled(inFlight);
    }
  }

  private requestPage(index: number, signal: AbortSignal): Promise<QrsTable | undefined> {
    const skip = index === 0 ? 0 : index * this.pageSize - 1;
    const take = index === 0 ? this.pageSize : this.pageSize + 1;
    return this.qrs.post<QrsTable | undefined>('/qrs/app/table', APP_TABLE_DEFINITION, {
      query: { skip, take, sortColumn: 'id', orderAscending: true },
      filter: PUBLISHED_FILTER,
      signal,
      timeoutMs: PAGE_TIMEOUT_MS,
      // Building a table changes nothing in the repository, so a 5xx or a dropped connection is retried.
      read: true,
    });
  }

  close(): Promise<void> {
    return this.qrs.close();
  }
}

type RowReader = (row: unknown[], column: ColumnName) => unknown;

/** QRS answers with its own column order in `columnNames`; read by name rather than trusting our order. */
function rowReader(columnNames: string[] | undefined): RowReader {
  const positions = new Map(APP_TABLE_COLUMNS.map(([name], i) => [name, columnNames?.indexOf(name) ?? i] as const));
  return (row, column) => {
    const at = positions.get(column);
    return at === undefined || at < 0 ? null : (row[at] ?? null);
  };
}

function toCatalogApp(read: RowReader, row: unknown[]): CatalogApp {
  const text = (column: ColumnName) => {
    const value = read(row, column);
    return typeof value === 'string' && value !== '' ? value : null;
  };
  const streamId = text('streamId');
  const directory = text('ownerDirectory');
  const userId = text('ownerUserId');
  const lastReloadAt = normalizeTime(read(row, 'lastReloadTime'));
  return {
    appId: String(read(row, 'id')),
    name: text('name') ?? '',
    group: streamId ? { id: streamId, name: text('streamName') ?? '' } : null,
    owner: userId ? (directory ? `${directory}\\${userId}` : userId) : null,
    published: read(row, 'published') === true || read(row, 'published') === 'true',
    publishTime: normalizeTime(read(row, 'publishTime')),
    // QRS moves lastReloadTime only when a reload succeeds; failures come from the reload monitor.
    lastReload: lastReloadAt ? { at: lastReloadAt, status: 'succeeded' } : null,
    modifiedAt: normalizeTime(read(row, 'modifiedDate')),
  };
}
