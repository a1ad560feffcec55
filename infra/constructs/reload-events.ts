import { Duration } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { WEBHOOK_RECEIVER_PATH } from '#lib/api/routes.ts';
import type { FunctionEnvironment } from '#lib/aws/environment.ts';
import { RELOAD_EVENTS_TABLE_KEYS, TTL_ATTRIBUTE } from '#lib/aws/table-definitions.ts';
import {
  grantOwnItems,
  ITEM_WRITE_ACTIONS,
  leaseKey,
  SERVER_STATE_KEYS,
  TABLE_DEFAULTS,
  type ServiceTables,
} from './data.ts';
import { ServiceFunction } from './functions.ts';
import type { ServerSecrets } from './secrets.ts';

/** Where the webhook receiver answers: the function URL accepts any path; this is the route table's, as locally. */
const WEBHOOK_PATH = WEBHOOK_RECEIVER_PATH.replace(/^\//, '');

/** Reload events arrive one per finished reload; ten at once is far above what a tenant produces. */
export const DEFAULT_RECEIVER_CONCURRENCY = 10;

const EVENTS_TABLE_WRITE = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
/** `AppCatalog.recordReload`: a conditional update, and a read to tell "unknown app" from "newer reload stored". */
const APP_RELOAD_UPDATE = ['dynamodb:UpdateItem', 'dynamodb:GetItem'];

export interface ReloadEventsProps {
  readonly tables: ServiceTables;
  readonly secrets: ServerSecrets;
  /** How often the reload monitor runs (on-prem polling, webhook health). @default every minute */
  readonly monitorSchedule?: Schedule;
  /**
   * Concurrent executions reserved for, and capping, the webhook receiver. Its function URL is public, so a flood
   * of unsigned requests must not take the account's concurrency from the settings and test functions; Qlik retries
   * a delivery that met a throttle. @default 10
   */
  readonly receiverConcurrency?: number;
}

/**
 * "An app reload finished", from both Qlik flavours, as one event on one bus:
 *
 * - `webhook-receiver` behind a Lambda function URL with auth NONE: Qlik Cloud cannot sign AWS requests, and the
 *   `Qlik-Signature` HMAC over the raw body is the authentication (checked before anything is parsed). It may read
 *   the `cloud-webhook` secret and nothing else of Secrets Manager, read the servers table (the tenant id), update
 *   an app's last reload, write the reload events table and put events on the bus.
 * - `reload-monitor` on an EventBridge schedule (every minute): on-prem reload polling and Qlik Cloud webhook health.
 *   A function of its own rather than part of scheduled-sync because its cadence (every minute, not every few
 *   hours) and its access (the reload events table, the bus, re-keying the webhook secret) differ.
 * - the `Qlik app reload finished` bus the report and alert engines subscribe to, and the reload events table
 *   (idempotency ledger, 30-day reload history, polling watermark; items expire through TTL).
 */
export class ReloadEvents extends Construct {
  readonly table: Table;
  readonly bus: EventBus;
  readonly receiver: ServiceFunction;
  readonly functionUrl: FunctionUrl;
  readonly monitor: ServiceFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: ReloadEventsProps) {
    super(scope, id);
    const { tables, secrets } = props;

    this.table = new Table(this, 'Table', {
      // The same settings as the service's other tables (see data.ts for the reasons).
      ...TABLE_DEFAULTS,
      // Key layout in lib/reloads/dynamodb-reload-store.ts; ledger and history records expire through TTL.
      partitionKey: { name: RELOAD_EVENTS_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: RELOAD_EVENTS_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });

    this.bus = new EventBus(this, 'Bus', {
      description: 'KPImailer: Qlik app reload finished events (on-premise and Qlik Cloud)',
    });

    const pipelineEnvironment: FunctionEnvironment = {
      ...tables.environment,
      RELOAD_EVENTS_TABLE_NAME: this.table.tableName,
      RELOAD_EVENT_BUS_NAME: this.bus.eventBusName,
    };

    this.receiver = new ServiceFunction(this, 'WebhookReceiver', {
      name: 'webhook-receiver',
      description: 'Receives signed Qlik Cloud reload events (function URL) and publishes them',
      timeout: Duration.seconds(10),
      // Qlik waits through our cold start; init is CPU-bound, and Lambda gives 1 GB twice the CPU of 512 MB.
      memorySize: 1024,
      reservedConcurrentExecutions: props.receiverConcurrency ?? DEFAULT_RECEIVER_CONCURRENCY,
      environment: { ...pipelineEnvironment, SECRET_NAME_PREFIX: secrets.namePrefix },
    });
    const receiver = this.receiver.function;
    secrets.grantRead(receiver, ['cloud-webhook']);
    // Only Qlik Cloud's items: its settings and state, its apps, its ledger entries (`event#cloud#<id>`) and its
    // reload history (lib/reloads/dynamodb-reload-store.ts).
    grantOwnItems(tables.servers, receiver, ['dynamodb:GetItem'], ['cloud', 'state#cloud']);
    grantOwnItems(tables.apps, receiver, APP_RELOAD_UPDATE, ['cloud']);
    grantOwnItems(this.table, receiver, EVENTS_TABLE_WRITE, ['event#cloud#*', 'reloads#cloud']);
    this.bus.grantPutEventsTo(receiver);
    this.functionUrl = receiver.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    this.monitor = new ServiceFunction(this, 'ReloadMonitor', {
      name: 'reload-monitor',
      description: 'Every minute: polls on-premise reload results and keeps the Qlik Cloud reload webhook healthy',
      // Well inside the schedule's minute, so runs do not pile up; the lease (60 s) outlives a timed-out run.
      timeout: Duration.seconds(29),
      environment: { ...pipelineEnvironment, ...secrets.environment, WEBHOOK_PUBLIC_URL: this.webhookUrl },
    });
    const monitor = this.monitor.function;
    secrets.grantRead(monitor, ['onprem', 'cloud']);
    // Recreating a deleted webhook generates and stores a new signing secret.
    secrets.grantReadWrite(monitor, ['cloud-webhook']);
    // Server state (webhook, tenant) and the monitor's leases live in the servers table; settings items stay untouched.
    tables.servers.grantReadData(monitor);
    grantOwnItems(tables.servers, monitor, ITEM_WRITE_ACTIONS, [
      ...SERVER_STATE_KEYS,
      leaseKey('reload-monitor#*'),
      leaseKey('cloud-webhook-provisioning'),
    ]);
    tables.apps.grant(monitor, ...APP_RELOAD_UPDATE);
    this.table.grant(monitor, ...EVENTS_TABLE_WRITE);
    this.bus.grantPutEventsTo(monitor);
    // A webhook it re-creates or repairs goes to the audit trail.
    tables.grantAuditAppend(monitor);
    // Lambda's own async retries (2 by default) would re-run a failed minute while the next minute's run starts.
    monitor.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });

    this.schedule = new Rule(this, 'MonitorSchedule', {
      description: 'Runs the reload monitor',
      schedule: props.monitorSchedule ?? Schedule.rate(Duration.minutes(1)),
      // A missed or failed run is simply the next minute's work; retries would only overlap with it.
      targets: [new LambdaFunction(monitor, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
  }

  /** The URL Qlik Cloud posts to (the function URL ends in `/`). */
  get webhookUrl(): string {
    return `${this.functionUrl.url}${WEBHOOK_PATH}`;
  }

  /** `GET /api/servers/{id}/reloads` reads the reload history. */
  grantHistoryRead(grantee: IGrantable): void {
    this.table.grant(grantee, 'dynamodb:Query');
  }

  /** The variables through which a reader of the reload history finds it. */
  get historyEnvironment(): FunctionEnvironment {
    return { RELOAD_EVENTS_TABLE_NAME: this.table.tableName };
  }
}
