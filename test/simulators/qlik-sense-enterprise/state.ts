/**
 * The repository of the simulated Qlik Sense site: what tests seed, what QRS routes read and write, and what
 * tests inspect afterwards. It knows nothing about HTTP. Entities are stored in their full shape with
 * references kept as `{ id }` and expanded when rendered, so a rename or an edit shows up everywhere, as in
 * the real repository. Apps, streams, reload tasks and execution results are here for the sync and reload
 * polling work to build on.
 */
import { randomUUID } from 'node:crypto';
import {
  APP_CONDENSED,
  EXECUTION_RESULT_CONDENSED,
  newApp,
  newExecutionResult,
  newProxyService,
  newReloadTask,
  newServerNode,
  newStream,
  newUser,
  newVirtualProxy,
  serverNodeCondensed,
  streamCondensed,
  userCondensed,
  virtualProxyCondensed,
  type Entity,
} from './entities.ts';

export interface UserSeed {
  userDirectory: string;
  userId: string;
  name?: string;
  roles?: string[];
  inactive?: boolean;
  blacklisted?: boolean;
  removedExternally?: boolean;
}

export interface SiteSeed {
  /** The central node's name, which is also the name in the server certificate. Default `QLIKSERVER`. */
  machineName?: string;
  /** Users besides `INTERNAL\sa_repository`; default: the service account `INTERNAL\sa_kpimailer` as RootAdmin. */
  users?: UserSeed[];
}

export const DEFAULT_SERVICE_ACCOUNT: UserSeed = {
  userDirectory: 'INTERNAL',
  userId: 'sa_kpimailer',
  roles: ['RootAdmin'],
};

export class QlikSenseState {
  readonly about = {
    schemaPath: 'About',
    buildVersion: '38.22.0.0',
    buildDate: '11/14/2022 12:00:00 AM',
    databaseProvider: 'Devart.Data.PostgreSql',
    nodeType: 1,
    sharedPersistence: true,
    requiresBootstrap: false,
    singleNodeOnly: false,
  };
  readonly users = new Map<string, Entity>();
  readonly serverNodes = new Map<string, Entity>();
  readonly proxyServices = new Map<string, Entity>();
  readonly virtualProxies = new Map<string, Entity>();
  readonly streams = new Map<string, Entity>();
  readonly apps = new Map<string, Entity>();
  readonly reloadTasks = new Map<string, Entity>();
  readonly executionResults = new Map<string, Entity>();
  readonly centralNode: Entity;
  readonly defaultVirtualProxy: Entity;
  private lastTime = 0;

  constructor(seed: SiteSeed = {}) {
    this.addUser({ userDirectory: 'INTERNAL', userId: 'sa_repository', roles: ['RootAdmin'] });
    for (const user of seed.users ?? [DEFAULT_SERVICE_ACCOUNT]) this.addUser(user);
    this.centralNode = this.addServerNode({ name: seed.machineName ?? 'QLIKSERVER', isCentral: true });
    this.defaultVirtualProxy = this.addVirtualProxy(
      {
        prefix: '',
        description: 'Central Proxy (Default)',
        sessionCookieHeaderName: 'X-Qlik-Session',
        defaultVirtualProxy: true,
      },
      { linkToAllProxyServices: true },
    );
  }

  /** Strictly increasing ISO times, so every write gets a newer modifiedDate even within one millisecond. */
  now(): string {
    this.lastTime = Math.max(Date.now(), this.lastTime + 1);
    return new Date(this.lastTime).toISOString();
  }

  /** Marks an entity as saved now, as any write (or an admin in the QMC) does. */
  touch(entity: Entity): void {
    entity.modifiedDate = this.now();
  }

  addUser(seed: UserSeed): Entity {
    const user = newUser(this.now(), { ...seed, roles: seed.roles ?? [] });
    this.users.set(user.id, user);
    return user;
  }

  findUser(userDirectory: string, userId: string): Entity | undefined {
    const same = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
    return [...this.users.values()].find((u) => same(u.userDirectory, userDirectory) && same(u.userId, userId));
  }

  /** Adds a node; with the proxy enabled (the default) it gets its proxy service, as a Qlik node does. */
  addServerNode(init: {
    name: string;
    hostName?: string;
    isCentral?: boolean;
    engineEnabled?: boolean;
    proxyEnabled?: boolean;
  }): Entity {
    const node = newServerNode(this.now(), init);
    this.serverNodes.set(node.id, node);
    if (node.proxyEnabled) {
      const service = newProxyService(this.now(), node.id);
      this.proxyServices.set(service.id, service);
    }
    return node;
  }

  /** Seeds a virtual proxy directly (no uniqueness rules: tests may build any state). */
  addVirtualProxy(
    init: Record<string, unknown>,
    options: { linkToAllProxyServices?: boolean; engineNodes?: boolean } = {},
  ): Entity {
    const nodes =
      options.engineNodes === false
        ? []
        : [...this.serverNodes.values()].filter((n) => n.engineEnabled).map((n) => ({ id: n.id }));
    const proxy = newVirtualProxy(this.now(), { loadBalancingServerNodes: nodes, ...init });
    this.virtualProxies.set(proxy.id, proxy);
    if (options.linkToAllProxyServices) for (const service of this.proxyServices.values()) this.link(service, proxy.id);
    return proxy;
  }

  virtualProxyByPrefix(prefix: string): Entity | undefined {
    return [...this.virtualProxies.values()].find((vp) => String(vp.prefix).toLowerCase() === prefix.toLowerCase());
  }

  /** Ids of the proxy services whose settings link the virtual proxy. */
  linksOf(virtualProxyId: string): string[] {
    return [...this.proxyServices.values()]
      .filter((s) => refs(s.settings, 'virtualProxies').includes(virtualProxyId))
      .map((s) => s.id);
  }

  link(service: Entity, virtualProxyId: string): void {
    const settings = service.settings as Record<string, unknown>;
    if (!refs(settings, 'virtualProxies').includes(virtualProxyId)) {
      settings.virtualProxies = [...(settings.virtualProxies as unknown[]), { id: virtualProxyId }];
      this.touch(service);
    }
  }

  addStream(init: { name: string; owner?: Entity }): Entity {
    const stream = newStream(this.now(), { name: init.name, owner: userCondensed(init.owner ?? this.firstUser()) });
    this.streams.set(stream.id, stream);
    return stream;
  }

  addApp(init: Record<string, unknown> & { name: string; stream?: Entity | null; owner?: Entity }): Entity {
    const { stream, owner, ...rest } = init;
    const app = newApp(this.now(), {
      ...rest,
      owner: userCondensed(owner ?? this.firstUser()),
      stream: stream ? { id: stream.id } : null,
      published: Boolean(stream),
      ...(stream ? { publishTime: this.now() } : {}),
    });
    this.apps.set(app.id, app);
    return app;
  }

  addReloadTask(init: Record<string, unknown> & { name: string; app: Entity }): Entity {
    const { app, ...rest } = init;
    const task = newReloadTask(this.now(), { ...rest, appId: app.id });
    this.reloadTasks.set(task.id, task);
    return task;
  }

  /** Records a task execution; a finished one (status 7 success / 8 failed) also moves the app's lastReloadTime. */
  addExecutionResult(init: Record<string, unknown> & { task: Entity; status: number }): Entity {
    const { task, ...rest } = init;
    const appId = (task.app as { id: string }).id;
    const result = newExecutionResult(this.now(), { ...rest, taskID: task.id, appID: appId });
    this.executionResults.set(result.id, result);
    const app = this.apps.get(appId);
    if (app && result.status === 7) {
      app.lastReloadTime = result.stopTime;
      this.touch(app);
    }
    return result;
  }

  // -- rendering: expand references into the condensed shapes QRS embeds

  renderVirtualProxy(vp: Entity): Entity {
    return {
      ...vp,
      loadBalancingServerNodes: this.expand(this.serverNodes, vp.loadBalancingServerNodes, serverNodeCondensed),
    };
  }

  renderProxyService(service: Entity): Entity {
    const settings = service.settings as Record<string, unknown>;
    const node = this.serverNodes.get((service.serverNodeConfiguration as { id: string }).id);
    return {
      ...service,
      settings: {
        ...settings,
        virtualProxies: this.expand(this.virtualProxies, settings.virtualProxies, (vp) =>
          virtualProxyCondensed(this.renderVirtualProxy(vp)),
        ),
      },
      serverNodeConfiguration: node ? serverNodeCondensed(node) : service.serverNodeConfiguration,
    };
  }

  renderApp(app: Entity, condensed = false): Record<string, unknown> {
    const streamRef = app.stream as { id: string } | null;
    const stream = streamRef && this.streams.get(streamRef.id);
    const full: Record<string, unknown> = { ...app, stream: stream ? streamCondensed(stream) : null };
    return condensed ? Object.fromEntries(APP_CONDENSED.map((k) => [k, full[k]])) : full;
  }

  renderReloadTask(task: Entity): Record<string, unknown> {
    const app = this.apps.get((task.app as { id: string }).id);
    const last = [...this.executionResults.values()]
      .filter((r) => r.taskID === task.id)
      .sort((a, b) => String(b.startTime).localeCompare(String(a.startTime)))[0];
    return {
      ...task,
      app: app ? this.renderApp(app, true) : task.app,
      operational: {
        id: randomUUID(),
        privileges: [],
        lastExecutionResult: last ? Object.fromEntries(EXECUTION_RESULT_CONDENSED.map((k) => [k, last[k]])) : null,
        nextExecution: '1753-01-01T00:00:00.000Z',
      },
    };
  }

  private expand(from: Map<string, Entity>, references: unknown, view: (e: Entity) => Record<string, unknown>) {
    return ((references as { id: string }[] | undefined) ?? [])
      .map((r) => from.get(r.id))
      .filter((e): e is Entity => Boolean(e))
      .map(view);
  }

  private firstUser(): Entity {
    return [...this.users.values()][0]!;
  }
}

const refs = (holder: unknown, key: string): string[] =>
  (((holder as Record<string, unknown> | undefined)?.[key] as { id: string }[] | undefined) ?? []).map((r) => r.id);
