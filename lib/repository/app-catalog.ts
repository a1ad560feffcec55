/**
 * The Qlik Repository's storage port: the catalog of published apps per server (DynamoDB adapter:
 * `dynamodb-app-catalog.ts`). Three kinds of callers share it:
 *   - the sync (`app-catalog-sync.ts`) streams stored digests and writes only what changed;
 *   - the apps API pages through it with a name filter;
 *   - reload events (webhook receiver, on-prem reload monitor) record an app's last reload as it happens.
 */
import type { ServerId } from '#lib/servers/server-settings.ts';

export type ReloadStatus = 'succeeded' | 'failed' | 'canceled' | 'unknown';

export interface LastReload {
  at: string;
  status: ReloadStatus;
}

/** A stream (on-premise) or a space (Qlik Cloud). */
export interface NamedRef {
  id: string;
  name: string;
}

/** What the sync keeps about one app: exactly the fields the content hash covers. */
export interface CatalogApp {
  appId: string;
  name: string;
  /** The app's stream (on-premise) or space (Qlik Cloud); null when it has none (personal space). */
  group: NamedRef | null;
  owner: string | null;
  published: boolean;
  publishTime: string | null;
  lastReload: LastReload | null;
  modifiedAt: string | null;
}

/** A stored app: what Qlik listed at the last change, plus bookkeeping. */
export interface StoredApp extends CatalogApp {
  serverId: ServerId;
  /** When the sync last wrote this app (it is not rewritten while unchanged). */
  syncedAt: string;
  /** Content hash of the listed fields (see `app-hash.ts`); equal hash means nothing to write. */
  hash: string;
  /** The latest reload reported by an event (webhook or poll); a sync keeps it when it is newer than Qlik's listing. */
  reloadEvent?: LastReload | null;
}

/** Just enough of a stored app to decide whether a listed one changed, and to delete it when Qlik no longer has it. */
export interface StoredDigest {
  appId: string;
  hash: string;
  reloadEvent: LastReload | null;
}

/** A slice of the appId key space; either end may be open. */
export interface KeyRange {
  from?: string;
  to?: string;
}

export interface AppPageQuery {
  limit: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string | null;
  /** Case-insensitive substring of the app name. */
  nameContains?: string | null;
}

export interface AppPage {
  apps: StoredApp[];
  nextCursor: string | null;
}

/** What a batch of writes cost, for the sync's report and the benchmark. */
export interface WriteStats {
  /** Items put or deleted. */
  items: number;
  /** BatchWriteItem calls, retries of unprocessed items included. */
  calls: number;
  /** Write capacity units DynamoDB reported (or estimated from item sizes when it reports none). */
  writeUnits: number;
}

export interface AppCatalog {
  /**
   * Sets an app's last reload (webhook/poll); returns the app's name, or null when the app is not in the catalog.
   * An older reload than the stored one leaves the stored one in place (events can arrive out of order) and still
   * returns the name.
   */
  recordReload(
    serverId: ServerId,
    appId: string,
    lastReload: { at: string; status: 'succeeded' | 'failed' | 'canceled' },
  ): Promise<{ appName: string } | null>;
  /**
   * Stored digests in the table's sort order (appId, UTF-8 byte order), one DynamoDB page at a time; with a range,
   * only ids from `from` (inclusive) up to `to` (inclusive), so several ranges can be read side by side.
   */
  streamDigests(serverId: ServerId, signal?: AbortSignal, range?: KeyRange): AsyncIterable<StoredDigest[]>;
  /** Digests of those of `appIds` that are stored (any order; at most 100 ids per call). */
  getDigests(serverId: ServerId, appIds: string[]): Promise<StoredDigest[]>;
  /** Puts and deletes in one BatchWriteItem call (at most 25 together); returns what DynamoDB did not process. */
  writeBatch(
    serverId: ServerId,
    batch: { puts: StoredApp[]; deletes: string[] },
  ): Promise<{ unprocessed: { puts: StoredApp[]; deletes: string[] }; writeUnits: number }>;
  /** A page of apps in appId order, optionally filtered by name. */
  listApps(serverId: ServerId, query: AppPageQuery): Promise<AppPage>;
}
