/**
 * App data for sync tests and the sync benchmark: N generated published apps spread over streams and owners,
 * with reload times, and changes between syncs (rename, republish to another stream, reload, delete, add).
 *
 * The apps are ordinary entities in `state.apps`, so every QRS route sees them. For the app table and count
 * (what a sync calls), a site with generated apps answers from a sorted id list kept here, so one page costs
 * O(page) instead of filtering and sorting 100,000 entities per request: the benchmark measures the sync,
 * not the simulator.
 */
import { randomUUID } from 'node:crypto';
import type { Entity } from './entities.ts';
import type { QlikSenseState } from './state.ts';
import type { RouteRequest, RouteResponse } from './routes.ts';
import { seededRandom } from '#test/support/seeded-random.ts';

export interface GeneratedAppsOptions {
  count: number;
  streams?: number;
  owners?: number;
  /** PRNG seed, so two runs build the same site. */
  seed?: number;
}

export type AppChange = 'rename' | 'republish' | 'reload' | 'delete';

const registry = new WeakMap<QlikSenseState, SiteApps>();

export class SiteApps {
  readonly streams: Entity[] = [];
  readonly owners: Entity[] = [];
  private sortedIds: string[] | null = null;
  private readonly random: () => number;
  private serial = 0;

  private constructor(
    readonly state: QlikSenseState,
    options: GeneratedAppsOptions,
  ) {
    this.random = seededRandom(options.seed ?? 1);
    for (let i = 0; i < (options.streams ?? 20); i++)
      this.streams.push(state.addStream({ name: `Stream ${String(i + 1).padStart(2, '0')}` }));
    for (let i = 0; i < (options.owners ?? 50); i++)
      this.owners.push(state.addUser({ userDirectory: 'CORP', userId: `analyst${i + 1}` }));
    for (let i = 0; i < options.count; i++) this.add();
  }

  /** Generates the site's apps and makes the app table and count answer from the fast path. */
  static generate(state: QlikSenseState, options: GeneratedAppsOptions): SiteApps {
    const apps = new SiteApps(state, options);
    registry.set(state, apps);
    return apps;
  }

  static of(state: QlikSenseState): SiteApps | undefined {
    return registry.get(state);
  }

  /** Adds one published app with a reload time. */
  add(init: { name?: string; stream?: Entity } = {}): Entity {
    const n = ++this.serial;
    const app = this.state.addApp({
      name: init.name ?? `KPI app ${n}`,
      stream: init.stream ?? this.pick(this.streams),
      owner: this.pick(this.owners),
      lastReloadTime: new Date(Date.UTC(2026, 0, 1) + Math.floor(this.random() * 300 * 86_400_000)).toISOString(),
    });
    this.sortedIds = null;
    return app;
  }

  rename(app: Entity, name: string): void {
    app.name = name;
    this.state.touch(app);
  }

  republish(app: Entity, stream: Entity): void {
    app.stream = { id: stream.id };
    app.publishTime = this.state.now();
    this.state.touch(app);
  }

  reload(app: Entity, at = this.state.now()): void {
    app.lastReloadTime = at;
    this.state.touch(app);
  }

  remove(app: Entity): void {
    this.state.apps.delete(app.id);
    this.sortedIds = null;
  }

  /** Forget the sorted list after apps were added to or removed from `state.apps` directly. */
  refresh(): void {
    this.sortedIds = null;
  }

  /** Published apps in id order (the order the sync asks for). */
  publishedIds(): string[] {
    this.sortedIds ??= [...this.state.apps.values()]
      .filter((a) => a.published === true)
      .map((a) => a.id)
      .sort();
    return this.sortedIds;
  }

  /** Apps as a list, in id order (tests pick "the app on page 3" from here). */
  published(): Entity[] {
    return this.publishedIds().map((id) => this.state.apps.get(id)!);
  }

  /**
   * Changes `fraction` of the apps, cycling through the kinds given; returns what changed. Deleted apps are
   * replaced by as many new ones, so the site keeps its size across benchmark rounds.
   */
  change(
    fraction: number,
    kinds: AppChange[] = ['rename', 'republish', 'reload', 'delete'],
  ): Record<AppChange | 'added', number> {
    const all = this.published();
    const picked = new Set<number>();
    const wanted = Math.min(all.length, Math.round(all.length * fraction));
    while (picked.size < wanted) picked.add(Math.floor(this.random() * all.length));
    const done: Record<AppChange | 'added', number> = { rename: 0, republish: 0, reload: 0, delete: 0, added: 0 };
    let k = 0;
    for (const i of picked) {
      const app = all[i]!;
      const kind = kinds[k++ % kinds.length]!;
      if (kind === 'rename') this.rename(app, `${String(app.name)} (v${this.serial++})`);
      else if (kind === 'republish')
        this.republish(app, this.streams.find((s) => s.id !== (app.stream as { id: string }).id) ?? this.streams[0]!);
      else if (kind === 'reload') this.reload(app);
      else this.remove(app);
      done[kind]++;
    }
    for (let i = 0; i < done.delete; i++, done.added++) this.add();
    return done;
  }

  private pick<T>(list: T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }
}

/** `POST /qrs/app/table` from the sorted id list, when the request is the sync's shape; undefined otherwise. */
export function fastAppTable(state: QlikSenseState, request: RouteRequest): RouteResponse | undefined {
  const apps = SiteApps.of(state);
  if (!apps || !isPublishedFilter(request.query.get('filter'))) return undefined;
  const sortColumn = request.query.get('sortColumn') ?? request.query.get('sortcolumn');
  const ascending = (request.query.get('orderAscending') ?? request.query.get('orderascending')) !== 'false';
  const body = request.body as { columns?: { name?: string; definition?: string }[] } | undefined;
  if ((sortColumn && sortColumn !== 'id') || !ascending || !Array.isArray(body?.columns)) return undefined;
  const columns = body.columns;
  if (columns.some((c) => !c.name || /\s/.test(c.name) || !c.definition)) return undefined;
  const skip = Number(request.query.get('skip') ?? 0);
  const ids = apps.publishedIds();
  const take = request.query.has('take') ? Number(request.query.get('take')) : ids.length;
  const rows = ids.slice(skip, skip + take).map((id) => {
    const rendered = state.renderApp(state.apps.get(id)!);
    return columns.map((c) => valueAt(rendered, c.definition!));
  });
  return {
    status: 201,
    body: { schemaPath: 'Table', id: randomUUID(), columnNames: columns.map((c) => c.name), rows },
  };
}

/** `GET /qrs/app/count?filter=published eq true` from the sorted id list. */
export function fastAppCount(state: QlikSenseState, request: RouteRequest): RouteResponse | undefined {
  const apps = SiteApps.of(state);
  if (!apps || !isPublishedFilter(request.query.get('filter'))) return undefined;
  return { status: 200, body: apps.publishedIds().length };
}

function isPublishedFilter(filter: string | null): boolean {
  return filter !== null && /^\s*published\s+eq\s+true\s*$/i.test(filter);
}

function valueAt(entity: Record<string, unknown>, path: string): unknown {
  let current: unknown = entity;
  for (const segment of path.split('.'))
    current = current && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined;
  return current ?? null;
}
