/**
 * Apps and spaces of the simulated tenant, for sync tests and the sync benchmark: `GET /api/v1/items` (apps only,
 * cursor paging with `links.next.href`, `spaceType` filter, default sort +createdAt) and `GET /api/v1/spaces`,
 * both Tier 1. Apps are generated in shared, managed and personal spaces with owners and reload results, and a
 * fraction of them can be changed between syncs.
 *
 * Apps live in an append-only array in creation order (deleted ones leave a hole), so a cursor is a position and
 * a page costs O(page) however large the tenant is: the benchmark measures the sync, not the simulator.
 *
 * @example
 *   const tenant = new TenantApps({ count: 1_000 });
 *   const sim = await startQlikCloudSimulator({ clients: [...], routes: tenant.routes() });
 */
import { randomBytes } from 'node:crypto';
import { badRequest, SimHttpError } from '#test/simulators/qlik-cloud/sim-errors.ts';
import type { SimRequest, SimResponse, SimRoute } from '#test/simulators/qlik-cloud/routes.ts';
import type { QlikCloudState } from '#test/simulators/qlik-cloud/state.ts';
import { seededRandom } from '#test/support/seeded-random.ts';

export type SpaceType = 'shared' | 'managed' | 'data';

export interface SimSpace {
  id: string;
  name: string;
  type: SpaceType;
  createdAt: string;
}

export interface SimApp {
  itemId: string;
  appId: string;
  name: string;
  /** null: the owner's personal space. */
  spaceId: string | null;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
  publishTime: string | null;
  reloadEndTime: string | null;
  reloadStatus: 'ok' | 'error' | null;
}

export interface TenantAppsOptions {
  count?: number;
  sharedSpaces?: number;
  managedSpaces?: number;
  /** Share of apps in personal spaces (not synced by default). */
  personalShare?: number;
  seed?: number;
}

export type CloudAppChange = 'rename' | 'move' | 'reload' | 'delete';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export class TenantApps {
  readonly spaces: SimSpace[] = [];
  readonly owners: string[] = [];
  /** Creation order; a deleted app leaves null so cursors (positions) stay valid. */
  private readonly apps: (SimApp | null)[] = [];
  private readonly byAppId = new Map<string, number>();
  private readonly random: () => number;
  private clock = Date.UTC(2025, 0, 1);
  private serial = 0;
  private readonly personalShare: number;

  constructor(options: TenantAppsOptions = {}) {
    this.random = seededRandom(options.seed ?? 7);
    this.personalShare = options.personalShare ?? 0.1;
    for (let i = 0; i < (options.sharedSpaces ?? 10); i++) this.addSpace(`Team space ${i + 1}`, 'shared');
    for (let i = 0; i < (options.managedSpaces ?? 5); i++) this.addSpace(`Published ${i + 1}`, 'managed');
    this.addSpace('Lake', 'data');
    for (let i = 0; i < 40; i++) this.owners.push(hex(12));
    for (let i = 0; i < (options.count ?? 0); i++) this.add();
  }

  addSpace(name: string, type: SpaceType): SimSpace {
    const space = { id: hex(12), name, type, createdAt: this.tick() };
    this.spaces.push(space);
    return space;
  }

  /** Adds an app; without a space it lands in a random shared or managed space, or a personal one. */
  add(init: { name?: string; space?: SimSpace | null } = {}): SimApp {
    const n = ++this.serial;
    const appSpaces = this.spaces.filter((s) => s.type !== 'data');
    const space =
      init.space !== undefined
        ? init.space
        : this.random() < this.personalShare
          ? null
          : appSpaces[Math.floor(this.random() * appSpaces.length)]!;
    const at = this.tick();
    const app: SimApp = {
      itemId: hex(12),
      appId: crypto.randomUUID(),
      name: init.name ?? `Cloud KPI app ${n}`,
      spaceId: space?.id ?? null,
      ownerId: this.owners[Math.floor(this.random() * this.owners.length)]!,
      createdAt: at,
      updatedAt: at,
      publishTime: space?.type === 'managed' ? at : null,
      reloadEndTime: at,
      reloadStatus: this.random() < 0.9 ? 'ok' : 'error',
    };
    this.byAppId.set(app.appId, this.apps.length);
    this.apps.push(app);
    return app;
  }

  /** Apps in listing order (creation order), personal ones included. */
  list(): SimApp[] {
    return this.apps.filter((a): a is SimApp => a !== null);
  }

  /** Apps the sync should see by default: those in shared and managed spaces. */
  synced(types: SpaceType[] = ['shared', 'managed']): SimApp[] {
    return this.list().filter((a) => a.spaceId !== null && types.includes(this.spaceType(a.spaceId)!));
  }

  get(appId: string): SimApp | undefined {
    const i = this.byAppId.get(appId);
    return i === undefined ? undefined : (this.apps[i] ?? undefined);
  }

  rename(app: SimApp, name: string): void {
    app.name = name;
    app.updatedAt = this.tick();
  }

  move(app: SimApp, space: SimSpace): void {
    app.spaceId = space.id;
    if (space.type === 'managed') app.publishTime = this.tick();
    app.updatedAt = this.tick();
  }

  reload(app: SimApp, status: 'ok' | 'error' = 'ok'): void {
    app.reloadEndTime = this.tick();
    app.reloadStatus = status;
    app.updatedAt = app.reloadEndTime;
  }

  remove(app: SimApp): void {
    const i = this.byAppId.get(app.appId);
    if (i === undefined) return;
    this.apps[i] = null;
    this.byAppId.delete(app.appId);
  }

  /** Changes `fraction` of the synced apps, cycling through the kinds; deleted apps are replaced by new ones. */
  change(
    fraction: number,
    kinds: CloudAppChange[] = ['rename', 'move', 'reload', 'delete'],
  ): Record<CloudAppChange | 'added', number> {
    const all = this.synced();
    const picked = new Set<number>();
    const wanted = Math.min(all.length, Math.round(all.length * fraction));
    while (picked.size < wanted) picked.add(Math.floor(this.random() * all.length));
    const done: Record<CloudAppChange | 'added', number> = { rename: 0, move: 0, reload: 0, delete: 0, added: 0 };
    const shared = this.spaces.filter((s) => s.type === 'shared');
    let k = 0;
    for (const i of picked) {
      const app = all[i]!;
      const kind = kinds[k++ % kinds.length]!;
      if (kind === 'rename') this.rename(app, `${app.name} (v${this.serial++})`);
      else if (kind === 'move') this.move(app, shared.find((s) => s.id !== app.spaceId) ?? shared[0]!);
      else if (kind === 'reload') this.reload(app, this.random() < 0.5 ? 'ok' : 'error');
      else this.remove(app);
      done[kind]++;
    }
    for (let i = 0; i < done.delete; i++, done.added++) this.add({ space: shared[i % shared.length]! });
    return done;
  }

  /** The items and spaces routes, for `startQlikCloudSimulator({ routes })`. */
  routes(): SimRoute[] {
    const scopes = ['user_default', 'admin.apps:read'];
    return [
      // Served anonymously by every tenant; Qlik's own JS clients (@qlik/api) read it once to learn the deployment type.
      {
        method: 'GET',
        pattern: /^\/resources\/autogenerated\/product-info\.json$/,
        tier: '1',
        auth: false,
        handle: () => ({
          status: 200,
          json: {
            composition: {
              deploymentType: 'QlikSenseCloud',
              provider: 'qlik',
              version: '1.0.0',
              contentHash: 'simulator',
            },
          },
        }),
      },
      {
        method: 'GET',
        pattern: /^\/api\/v1\/items$/,
        tier: '1',
        auth: true,
        scopes,
        handle: (state, req) => this.listItems(state, req),
      },
      {
        method: 'GET',
        pattern: /^\/api\/v1\/spaces$/,
        tier: '1',
        auth: true,
        scopes: ['user_default', 'admin.spaces:read'],
        handle: (state, req) => this.listSpaces(state, req),
      },
    ];
  }

  private spaceType(spaceId: string): SpaceType | undefined {
    return this.spaces.find((s) => s.id === spaceId)?.type;
  }

  private listItems(state: QlikCloudState, req: SimRequest): SimResponse {
    const q = req.query;
    const limit = Number(q.get('limit') ?? '10');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw badRequest('limit must be an integer from 1 to 100');
    const types = q.get('resourceType')?.split(',') ?? null;
    const spaceTypes = q.get('spaceType')?.split(',').filter(Boolean) ?? null;
    if (spaceTypes?.some((t) => !['shared', 'managed', 'personal', 'data'].includes(t)))
      throw badRequest('invalid spaceType');
    const sort = q.get('sort') ?? '+createdAt';
    if (sort !== '+createdAt')
      throw new SimHttpError(400, 'HTTP-400', 'Bad Request', 'the simulator only sorts by +createdAt');
    let position = q.get('next') ? Number(Buffer.from(q.get('next')!, 'base64url').toString()) : 0;
    if (!Number.isInteger(position) || position < 0) throw badRequest('invalid next cursor');
    const typeOf = new Map(this.spaces.map((s) => [s.id, s.type] as const));
    const matches = (app: SimApp) =>
      (!types || types.includes('app')) &&
      (!spaceTypes || spaceTypes.includes(app.spaceId ? (typeOf.get(app.spaceId) ?? 'shared') : 'personal'));
    const page: SimApp[] = [];
    while (position < this.apps.length && page.length < limit) {
      const app = this.apps[position++];
      if (app && matches(app)) page.push(app);
    }
    let more = false;
    for (let i = position; i < this.apps.length && !more; i++) more = Boolean(this.apps[i] && matches(this.apps[i]!));
    const base = `${req.origin}${req.path}`;
    const links: Record<string, { href: string }> = { self: { href: `${base}?${q}` } };
    if (more) {
      const nextQuery = new URLSearchParams(q);
      nextQuery.set('next', Buffer.from(String(position)).toString('base64url'));
      // Qlik's links name the origin with an explicit :443 now and then; the simulator's port plays that part.
      links.next = { href: `${base}?${nextQuery}` };
    }
    const noActions = q.get('noActions') === 'true';
    return { status: 200, json: { data: page.map((app) => this.item(state, req, app, noActions)), links } };
  }

  private item(state: QlikCloudState, req: SimRequest, app: SimApp, noActions: boolean): Record<string, unknown> {
    const self = `${req.origin}/api/v1/items/${app.itemId}`;
    return {
      id: app.itemId,
      name: app.name,
      resourceId: app.appId,
      resourceType: 'app',
      resourceSubType: '',
      tenantId: state.tenantId,
      ...(app.spaceId ? { spaceId: app.spaceId } : {}),
      ownerId: app.ownerId,
      creatorId: app.ownerId,
      updaterId: app.ownerId,
      createdAt: app.createdAt,
      updatedAt: app.updatedAt,
      resourceCreatedAt: app.createdAt,
      resourceUpdatedAt: app.updatedAt,
      ...(app.reloadEndTime
        ? { resourceReloadEndTime: app.reloadEndTime, resourceReloadStatus: app.reloadStatus }
        : {}),
      resourceSize: { appFile: 409_600, appMemory: 1_048_576 },
      resourceAttributes: {
        id: app.appId,
        name: app.name,
        owner: `auth0|${app.ownerId}`,
        ownerId: app.ownerId,
        published: app.publishTime !== null,
        publishTime: app.publishTime ?? '',
        createdDate: app.createdAt,
        modifiedDate: app.updatedAt,
        lastReloadTime: app.reloadEndTime ?? '',
        hasSectionAccess: false,
        isDirectQueryMode: false,
        usage: 'ANALYTICS',
        encrypted: true,
        _resourcetype: 'app',
      },
      resourceCustomAttributes: {},
      description: '',
      thumbnailId: '',
      isFavorited: false,
      collectionIds: [],
      actions: noActions ? [] : ['read', 'update', 'delete', 'reload', 'publish', 'duplicate', 'exportappdata'],
      meta: { tags: [], actions: [], collections: [], isFavorited: false },
      links: {
        self: { href: self },
        open: { href: `${req.origin}/sense/app/${app.appId}` },
        thumbnail: { href: `${self}/thumbnail` },
      },
    };
  }

  private listSpaces(state: QlikCloudState, req: SimRequest): SimResponse {
    const q = req.query;
    const limit = Number(q.get('limit') ?? '10');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw badRequest('limit must be an integer from 1 to 100');
    const types = q.get('type')?.split(',') ?? null;
    const all = this.spaces.filter((s) => !types || types.includes(s.type));
    const offset = q.get('next') ? Number(Buffer.from(q.get('next')!, 'base64url').toString()) : 0;
    const page = all.slice(offset, offset + limit);
    const links: Record<string, { href: string }> = { self: { href: `${req.origin}${req.path}?${q}` } };
    if (offset + limit < all.length) {
      const nextQuery = new URLSearchParams(q);
      nextQuery.set('next', Buffer.from(String(offset + limit)).toString('base64url'));
      links.next = { href: `${req.origin}${req.path}?${nextQuery}` };
    }
    const data = page.map((s) => ({
      id: s.id,
      name: s.name,
      type: s.type,
      tenantId: state.tenantId,
      ownerId: this.owners[0],
      createdAt: s.createdAt,
      createdBy: this.owners[0],
      updatedAt: s.createdAt,
      description: '',
      meta: { roles: [], actions: ['read'], assignableRoles: [] },
      links: {
        self: { href: `${req.origin}/api/v1/spaces/${s.id}` },
        assignments: { href: `${req.origin}/api/v1/spaces/${s.id}/assignments` },
      },
    }));
    return { status: 200, json: { data, meta: { count: all.length }, links } };
  }

  /** Strictly increasing times, one second apart, so creation order is listing order. */
  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }
}
