/**
 * What the simulated Qlik engine holds: apps, their objects (straight tables whose dimensions are fields), who may
 * open them, and the counters tests read. It knows nothing about JSON-RPC (engine-service.ts serves it).
 *
 * Work in flight is an open Engine session (WebSocket) of the site, from the upgrade until the socket closes or its
 * proxy session ends; `peakInFlight` keeps the highest count, which is how the tests prove Max parallel executions
 * at Qlik's side (as the Qlik Cloud simulator's Reports API counter does).
 */

/** A straight table: the dimensions are fields of the app (selectable), the measures are computed columns. */
export interface EngineTable {
  dimensions: string[];
  measures: string[];
  /** One entry per row: dimension texts, then measure texts; null is a null cell. */
  rows: Array<Array<string | null>>;
}

export interface EngineObject {
  /** `table`: a straight table; `pivot`: a pivot table (qMode 'P'); `text`: no hypercube. */
  type: 'table' | 'pivot' | 'text';
  table?: EngineTable;
  /** An Engine error code the layout reports (e.g. 7005: calculation condition not fulfilled). */
  layoutErrorCode?: number;
}

export interface EngineApp {
  id: string;
  objects: Map<string, EngineObject>;
  /** `DIRECTORY\user` (any case) refused by OpenDoc (security rules). */
  deniedTo: Set<string>;
}

/** The rows of a table under the given selections (field -> selected texts); fields the table lacks do not filter. */
export function selectedRows(
  table: EngineTable,
  selections: ReadonlyMap<string, ReadonlySet<string>>,
): Array<Array<string | null>> {
  const filters = [...selections]
    .map(([field, values]) => ({ column: table.dimensions.indexOf(field), values }))
    .filter((f) => f.column >= 0);
  return table.rows.filter((row) => filters.every((f) => f.values.has(row[f.column] ?? '')));
}

export class EngineSite {
  readonly apps = new Map<string, EngineApp>();
  /** Added before every Engine answer (Qlik's calculation time). */
  latencyMs = 0;
  inFlight = 0;
  peakInFlight = 0;
  /** Engine sessions opened (WebSocket upgrades accepted). */
  sessionsOpened = 0;
  /** Every JSON-RPC request received, in order: `<method>` and its params (for paging assertions). */
  readonly calls: Array<{ method: string; params: unknown }> = [];
  /** JSON-RPC requests that broke the protocol or the method's parameters: the simulator answered them with an error. */
  readonly protocolViolations: string[] = [];
  private readonly idleWaiters: Array<() => void> = [];

  /** Adds (or replaces) an app; `objects` maps object ids to their content. */
  addApp(id: string, objects: Record<string, EngineObject> = {}, options: { deniedTo?: string[] } = {}): EngineApp {
    const app: EngineApp = {
      id,
      objects: new Map(Object.entries(objects)),
      deniedTo: new Set((options.deniedTo ?? []).map((u) => u.toLowerCase())),
    };
    this.apps.set(id, app);
    return app;
  }

  /** The distinct values of a field across the app's tables, or undefined when no table has that dimension. */
  fieldValues(app: EngineApp, field: string): Set<string> | undefined {
    let values: Set<string> | undefined;
    for (const object of app.objects.values()) {
      const column = object.table?.dimensions.indexOf(field) ?? -1;
      if (column < 0) continue;
      values ??= new Set();
      for (const row of object.table!.rows) values.add(row[column] ?? '');
    }
    return values;
  }

  sessionStarted(): void {
    this.sessionsOpened++;
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
  }

  sessionEnded(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Resolves once no Engine session is open (at once if none is). */
  whenIdle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  resetPeak(): void {
    this.peakInFlight = this.inFlight;
  }
}

/** A table of `rows` rows: Region (North/South/East/West), Product (P<n>), then Sales and Margin (null every 7th). */
export function generatedTable(rows: number): EngineTable {
  const regions = ['North', 'South', 'East', 'West'];
  return {
    dimensions: ['Region', 'Product'],
    measures: ['Sales', 'Margin'],
    rows: Array.from({ length: rows }, (_, i) => [
      regions[i % 4]!,
      `P${i}`,
      String(i * 10),
      i % 7 === 0 ? null : `${i % 100}%`,
    ]),
  };
}
