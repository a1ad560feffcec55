/** In-memory stand-ins for the reload ports, so unit tests exercise the domain logic without any network. */
import type {
  ClaimOutcome,
  PollWatermarks,
  ReloadAppCatalog,
  ReloadFinishedEvent,
  ReloadHistory,
  ReloadLedger,
  ReloadPublisher,
  ReloadStatus,
} from '#lib/reloads/reload-event.ts';

export class MemoryLedger implements ReloadLedger {
  readonly items = new Map<string, { state: 'claimed' | 'done'; leaseUntil: number }>();
  constructor(public now: () => number = Date.now) {}
  async claim(key: string, leaseMs: number): Promise<ClaimOutcome> {
    const item = this.items.get(key);
    if (item?.state === 'done') return 'done';
    if (item && item.leaseUntil > this.now()) return 'in-progress';
    this.items.set(key, { state: 'claimed', leaseUntil: this.now() + leaseMs });
    return 'claimed';
  }
  async complete(key: string): Promise<void> {
    this.items.set(key, { state: 'done', leaseUntil: 0 });
  }
  async release(key: string): Promise<void> {
    if (this.items.get(key)?.state === 'claimed') this.items.delete(key);
  }
}

export class MemoryHistory implements ReloadHistory {
  readonly records = new Map<string, ReloadFinishedEvent>();
  failNext = 0;
  async put(event: ReloadFinishedEvent): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('DynamoDB is down');
    }
    this.records.set(`${event.serverId}#${event.finishedAt}#${event.reloadId}`, event);
  }
  async list(serverId: string, limit: number): Promise<ReloadFinishedEvent[]> {
    return [...this.records.values()]
      .filter((e) => e.serverId === serverId)
      .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))
      .slice(0, limit);
  }
}

export class MemoryCatalog implements ReloadAppCatalog {
  readonly apps = new Map<string, { name: string; lastReload?: { at: string; status: ReloadStatus } }>();
  readonly calls: Array<{ serverId: string; appId: string; at: string; status: ReloadStatus }> = [];
  async recordReload(serverId: string, appId: string, reload: { at: string; status: ReloadStatus }) {
    this.calls.push({ serverId, appId, ...reload });
    const app = this.apps.get(`${serverId}#${appId}`);
    if (!app) return null;
    // As the DynamoDB catalog: an older reload never replaces a newer one.
    if (!app.lastReload || Date.parse(app.lastReload.at) <= Date.parse(reload.at)) app.lastReload = reload;
    return { appName: app.name };
  }
}

export class MemoryPublisher implements ReloadPublisher {
  readonly published: ReloadFinishedEvent[] = [];
  failNext = 0;
  async publish(event: ReloadFinishedEvent): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('EventBridge is down');
    }
    this.published.push(event);
  }
}

export class MemoryWatermarks implements PollWatermarks {
  readonly values = new Map<string, string>();
  async get(name: string) {
    return this.values.get(name) ?? null;
  }
  async set(name: string, value: string) {
    this.values.set(name, value);
  }
}
