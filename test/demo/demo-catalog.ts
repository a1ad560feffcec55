/**
 * The demo's Qlik content: a few hundred apps with names an evaluator recognises, in streams (Qlik Sense
 * Enterprise) and spaces (Qlik Cloud), owned by a handful of analysts, and reload tasks for some of the on-premise
 * apps. Seeded through the simulators' own state APIs, so every QRS and Qlik Cloud route sees them as usual.
 */
import type { Entity } from '#test/simulators/qlik-sense-enterprise/entities.ts';
import { generatedTable, type EngineSite, type QlikSenseState } from '#test/simulators/qlik-sense-enterprise/index.ts';
import type { SimApp, TenantApps } from '#test/simulators/qlik-cloud/index.ts';
import { seededRandom } from '#test/support/seeded-random.ts';

/** Departments, and the dashboards each one keeps. Streams and spaces are named after them. */
const DEPARTMENTS: Record<string, string[]> = {
  Finance: [
    'P&L overview',
    'Cash flow',
    'Budget vs actual',
    'Accounts receivable',
    'Accounts payable',
    'Cost centres',
    'Margin analysis',
    'Forecast',
  ],
  Sales: [
    'Pipeline',
    'Bookings',
    'Win rate',
    'Quota attainment',
    'Top customers',
    'Price realisation',
    'Deal velocity',
    'Territory review',
  ],
  Marketing: ['Campaign performance', 'Lead funnel', 'Web traffic', 'Brand tracker', 'Event ROI', 'Email engagement'],
  Operations: ['Production output', 'OEE', 'Downtime', 'Quality defects', 'Maintenance backlog', 'Energy use'],
  'Supply Chain': [
    'Inventory levels',
    'Supplier scorecard',
    'On-time delivery',
    'Freight costs',
    'Demand planning',
    'Stock-outs',
  ],
  'Human Resources': ['Headcount', 'Attrition', 'Recruiting funnel', 'Absence', 'Training hours', 'Diversity'],
  'Customer Service': ['Ticket volume', 'First response time', 'CSAT', 'Backlog ageing', 'Returns'],
  Executive: ['Company KPIs', 'Board pack', 'Strategy scorecard'],
};

const REGIONS = ['Global', 'EMEA', 'Americas', 'APAC', 'DACH', 'Nordics', 'UK & Ireland', 'France'];
const ANALYSTS = [
  'anna.berg',
  'marc.dubois',
  'li.wei',
  'sara.costa',
  'tom.nguyen',
  'eva.klein',
  'raj.patel',
  'julia.moreau',
  'ben.okafor',
  'ines.garcia',
];

/** "Pipeline EMEA", "Cash flow Global", ...: every department's dashboards, by region, until `count`. */
function appNames(count: number): Array<{ department: string; name: string }> {
  const names: Array<{ department: string; name: string }> = [];
  for (const region of REGIONS) {
    for (const [department, dashboards] of Object.entries(DEPARTMENTS)) {
      for (const dashboard of dashboards) {
        if (names.length === count) return names;
        names.push({ department, name: `${dashboard} ${region}` });
      }
    }
  }
  return names;
}

export interface OnPremCatalog {
  apps: number;
  streams: number;
  /** The reload tasks the demo runs in turn. */
  reloadTasks: Entity[];
}

/** The object id every demo app has: a straight table (Region, Product, Sales, Margin) for `data` extractions. */
export const DEMO_TABLE_OBJECT_ID = 'kpi-table';

/**
 * Streams per department, `count` published apps and a few unpublished work-in-progress apps, reload tasks for some;
 * in the engine, each published app holds one table (`DEMO_TABLE_OBJECT_ID`) of 40 to 400 rows.
 */
export function seedOnPremCatalog(state: QlikSenseState, engine: EngineSite, count = 240): OnPremCatalog {
  const random = seededRandom(16);
  const owners = ANALYSTS.map((userId) =>
    state.addUser({ userDirectory: 'CORP', userId, name: userId.replace('.', ' ') }),
  );
  const streams = new Map(Object.keys(DEPARTMENTS).map((name) => [name, state.addStream({ name, owner: owners[0] })]));
  const reloadTasks: Entity[] = [];
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const lastReloadTime = () => new Date(Date.now() - Math.floor(random() * 30 * 86_400_000)).toISOString();
  for (const [i, { department, name }] of appNames(count).entries()) {
    const app = state.addApp({
      name,
      stream: streams.get(department)!,
      owner: pick(owners),
      lastReloadTime: lastReloadTime(),
    });
    engine.addApp(String(app.id), {
      [DEMO_TABLE_OBJECT_ID]: { type: 'table', table: generatedTable(40 + ((i * 37) % 361)) },
    });
    if (i % 8 === 0) reloadTasks.push(state.addReloadTask({ name: `Reload ${name}`, app }));
  }
  for (const name of ['Sandbox', 'New KPI ideas (draft)', 'Copy of Pipeline EMEA'])
    state.addApp({ name, stream: null, owner: pick(owners) });
  return { apps: count, streams: streams.size, reloadTasks };
}

export interface CloudCatalog {
  apps: SimApp[];
  spaces: number;
}

/**
 * Shared spaces per department, a managed space for the published executive apps, and a few personal apps (which
 * the sync leaves out by default, as it does for a real tenant). `tenant` is built with no spaces of its own.
 */
export function seedCloudCatalog(tenant: TenantApps, count = 160): CloudCatalog {
  const spaces = new Map(
    Object.keys(DEPARTMENTS).map((name) => [name, tenant.addSpace(name, name === 'Executive' ? 'managed' : 'shared')]),
  );
  const apps = appNames(count).map(({ department, name }) => tenant.add({ name, space: spaces.get(department)! }));
  for (const name of ['My scratchpad', 'Test load script']) tenant.add({ name, space: null });
  return { apps, spaces: spaces.size };
}
