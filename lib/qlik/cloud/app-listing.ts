/**
 * The apps of a Qlik Cloud tenant, page by page, for the app catalog sync.
 *
 * Qlik Cloud's Apps API has no list call; apps are items: `GET /api/v1/items?resourceType=app&limit=100`
 * (100 is the maximum), following `links.next.href` until there is none, one chain per space type (`shared`,
 * `managed`) running side by side; personal-space apps are left out and cost no requests (a deployment can add
 * them). Space names come from `/api/v1/spaces`, read once per sync beside the first items page. Every try of every
 * request (all Tier 1) first waits while a 429 pauses Tier 1 for the tenant (whoever got it: the other chain, a
 * connection test), then takes a slot of the sync's Tier 1 budget (see the client's `admit`). The listing's meter
 * says how often and how long Tier 1 was paused while it ran (`rateLimits()`, in the sync's log and result).
 */
import type { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import { pathOfLink, type RateLimitPolicy } from '#lib/qlik/cloud/cloud-client.ts';
import { RateLimitMeter, type RateLimitMetrics } from '#lib/qlik/cloud/rate-tier-pause.ts';
import { RequestBudget, SYNC_TIER1_BUDGET } from '#lib/qlik/cloud/request-budget.ts';
import { normalizeTime } from '#lib/repository/app-hash.ts';
import type { CatalogApp, ReloadStatus } from '#lib/repository/app-catalog.ts';
import { mergePages, type AppListing } from '#lib/repository/app-listing.ts';
import { DEFAULT_SYNC_SPACE_TYPES, type SyncSpaceType } from '#lib/qlik/cloud/sync-space-types.ts';

/** A sync can wait longer than a connection test: Tier limits are evaluated over 5 minutes. */
export const SYNC_RATE_LIMIT: RateLimitPolicy = { maxAttempts: 8, maxTotalWaitMs: 5 * 60_000 };

/** The parts of an Items API item the sync reads. */
export interface QlikItem {
  id: string;
  name?: string;
  resourceId?: string;
  resourceType?: string;
  spaceId?: string;
  ownerId?: string;
  updatedAt?: string;
  resourceUpdatedAt?: string;
  resourceReloadEndTime?: string;
  resourceReloadStatus?: string;
  resourceAttributes?: {
    published?: boolean;
    publishTime?: string;
    lastReloadTime?: string;
    owner?: string;
    [key: string]: unknown;
  };
}

interface QlikSpace {
  id: string;
  name?: string;
  type?: string;
}

interface Page<T> {
  data?: T[];
  links?: { next?: { href?: string } | null };
}

export interface CloudListingOptions {
  spaceTypes?: SyncSpaceType[];
  budget?: RequestBudget;
}

export class CloudAppListing implements AppListing {
  readonly unstable = false;
  requests = 0;
  private readonly spaceTypes: SyncSpaceType[];
  private readonly budget: RequestBudget;
  private readonly meter: RateLimitMeter;

  constructor(
    private readonly api: QlikCloudApi,
    options: CloudListingOptions = {},
  ) {
    this.spaceTypes = options.spaceTypes?.length ? options.spaceTypes : DEFAULT_SYNC_SPACE_TYPES;
    this.budget = options.budget ?? new RequestBudget(SYNC_TIER1_BUDGET);
    this.meter = new RateLimitMeter(api.client.pauses);
  }

  /** Per tier: how often and how long it was paused while this listing ran, its own 429s and waits. */
  rateLimits(): RateLimitMetrics {
    return this.meter.metrics();
  }

  /** Items report no total; the sync falls back to the previous sync's total. */
  async expected(): Promise<number | null> {
    return null;
  }

  async *pages(signal: AbortSignal): AsyncGenerator<CatalogApp[]> {
    const spaces = this.spaceNames(signal);
    spaces.catch(() => undefined);
    // One cursor chain per space type, side by side: a chain can only ask for its next page once the previous
    // one has answered, so two chains halve the time a large tenant takes.
    const chains = this.spaceTypes.map((spaceType) =>
      this.follow<QlikItem>(
        '/api/v1/items',
        { resourceType: 'app', limit: 100, spaceType, noActions: true },
        'items.list',
        signal,
      ),
    );
    for await (const items of mergePages(chains)) {
      const names = await spaces;
      yield items
        .filter((item) => (item.resourceType ?? 'app') === 'app' && item.resourceId)
        .map((item) => toCatalogApp(item, names));
    }
  }

  close(): Promise<void> {
    // The client's pool is shared per container and outlives a sync.
    this.meter.stop();
    return Promise.resolve();
  }

  private async spaceNames(signal: AbortSignal): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for await (const spaces of this.follow<QlikSpace>('/api/v1/spaces', { limit: 100 }, 'spaces.list', signal)) {
      for (const space of spaces) names.set(space.id, space.name ?? space.id);
    }
    return names;
  }

  /** One request per page, each try inside the budget; stops at the last page or at a link seen before (a loop). */
  private async *follow<T>(
    path: string,
    query: Record<string, string | number | boolean>,
    operation: 'items.list' | 'spaces.list',
    signal: AbortSignal,
  ) {
    let next: string | null = path;
    let params: Record<string, string | number | boolean> | undefined = query;
    const seen = new Set<string>();
    while (next) {
      this.requests++;
      const page: Page<T> | undefined = await this.api.get<Page<T> | undefined>(next, {
        operation,
        query: params,
        signal,
        budget: this.budget,
        meter: this.meter,
      });
      yield page?.data ?? [];
      const href: string | undefined = page?.links?.next?.href;
      next = href ? pathOfLink(this.api.client, href) : null;
      params = undefined;
      if (next && seen.has(next))
        throw new Error(
          `Qlik Cloud returned the same ${operation === 'items.list' ? 'items' : 'spaces'} page link twice; the listing would never end.`,
        );
      if (next) seen.add(next);
    }
  }
}

/** Items API reload statuses are not enumerated in the spec; these are the spellings seen in Qlik's APIs. */
export function reloadStatusOf(value: string | undefined): ReloadStatus {
  switch ((value ?? '').toLowerCase()) {
    case 'ok':
    case 'success':
    case 'succeeded':
      return 'succeeded';
    case 'error':
    case 'failed':
    case 'failure':
      return 'failed';
    case 'canceled':
    case 'cancelled':
    case 'aborted':
      return 'canceled';
    default:
      return 'unknown';
  }
}

export function toCatalogApp(item: QlikItem, spaceNames: Map<string, string>): CatalogApp {
  const attributes = item.resourceAttributes ?? {};
  const reloadAt = normalizeTime(item.resourceReloadEndTime) ?? normalizeTime(attributes.lastReloadTime);
  return {
    appId: item.resourceId!,
    name: item.name ?? '',
    group: item.spaceId ? { id: item.spaceId, name: spaceNames.get(item.spaceId) ?? item.spaceId } : null,
    owner: item.ownerId ?? (typeof attributes.owner === 'string' ? attributes.owner : null),
    published: attributes.published === true,
    publishTime: normalizeTime(attributes.publishTime),
    lastReload: reloadAt ? { at: reloadAt, status: reloadStatusOf(item.resourceReloadStatus) } : null,
    modifiedAt: normalizeTime(item.resourceUpdatedAt ?? item.updatedAt),
  };
}
