import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SYNC_NODE_OPTIONS } from '#lib/repository/sync-heap.ts';
import { grantOwnItems, ITEM_WRITE_ACTIONS, leaseKey, SERVER_STATE_KEYS, type ServiceTables } from './data.ts';
import { ServiceFunction } from './functions.ts';
import type { ServerSecrets } from './secrets.ts';

export interface ScheduledSyncProps {
  readonly tables: ServiceTables;
  readonly secrets: ServerSecrets;
  /** How often every configured server's app catalog is synced. @default every hour */
  readonly schedule?: Schedule;
  /** Qlik Cloud space types whose apps are synced (`QLIK_CLOUD_SYNC_SPACE_TYPES`). @default shared and managed */
  readonly cloudSpaceTypes?: readonly ('shared' | 'managed' | 'personal')[];
}

/**
 * The Qlik Repository's sync: the `scheduled-sync` function on an EventBridge schedule (every configured server;
 * unconfigured ones are skipped), also invoked asynchronously by the settings API for "Sync apps", so the API can
 * answer 202 at once. It reads both servers' settings and secrets, keeps its lease and `lastSync` in the servers
 * table and writes the apps table; nothing else.
 */
export class ScheduledSync extends Construct {
  readonly sync: ServiceFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ScheduledSyncProps) {
    super(scope, id);
    const { tables, secrets } = props;
    this.sync = new ServiceFunction(this, 'ScheduledSync', {
      name: 'scheduled-sync',
      description: 'Syncs the Qlik app catalogs (hourly, and on demand from the admin API)',
      // A 100,000-app tenant lists in well under a minute at normal latency; the ceiling covers a slow site and
      // Qlik Cloud rate-limit waits. The sync lease (renewed while running) outlives a timed-out run briefly.
      timeout: Duration.minutes(15),
      // Memory stays flat as the catalog grows (about 100 bytes per app of index); the rest buys CPU for TLS and JSON.
      memorySize: 1024,
      // The young-generation cap of lib/repository/sync-heap.ts (V8 reads it at start-up only).
      nodeOptions: SYNC_NODE_OPTIONS,
      environment: {
        ...tables.environment,
        ...secrets.environment,
        ...(props.cloudSpaceTypes ? { QLIK_CLOUD_SYNC_SPACE_TYPES: props.cloudSpaceTypes.join(',') } : {}),
      },
    });
    const fn = this.sync.function;
    secrets.grantRead(fn, ['onprem', 'cloud']);
    // Leases and lastSync live in the servers table; the settings items are the settings API's alone.
    tables.servers.grantReadData(fn);
    grantOwnItems(tables.servers, fn, ITEM_WRITE_ACTIONS, [...SERVER_STATE_KEYS, leaseKey('app-sync#*')]);
    tables.apps.grantReadWriteData(fn);
    // Each finished run goes to the audit trail.
    tables.grantAuditAppend(fn);
    // A failed run records its error and the next run starts over; Lambda's own retries would only overlap with it.
    fn.configureAsyncInvoke({ retryAttempts: 0 });

    this.rule = new Rule(this, 'Schedule', {
      description: 'Syncs the app catalog of every configured Qlik server',
      schedule: props.schedule ?? Schedule.rate(Duration.hours(1)),
      targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
    });
  }

  /** Lets an API function start a sync run (asynchronous invoke of exactly this function, no version wildcard). */
  grantStart(api: ServiceFunction): void {
    api.function.addToRolePolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.sync.function.functionArn] }),
    );
    api.addEnvironment({ SCHEDULED_SYNC_FUNCTION_NAME: this.sync.function.functionName });
  }
}
