import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  Table,
  TableEncryption,
  type ITable,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { FunctionEnvironment } from '#lib/aws/environment.ts';
import {
  APPS_TABLE_KEYS,
  AUDIT_ALL_SERVERS_INDEX,
  AUDIT_TABLE_KEYS,
  SERVERS_TABLE_KEYS,
  TTL_ATTRIBUTE,
} from '#lib/aws/table-definitions.ts';

// Settings every table of the service shares.
// - On-demand: a handful of admin writes and bursty syncs; nothing to size.
// - Point-in-time recovery: the servers table is the only copy of the connection settings.
// - AWS-managed KMS key (aws/dynamodb) rather than a customer-managed one: every use is in CloudTrail, there is no
//   key policy or grant to maintain for each new function, and the tables hold no secrets (the certificate and the
//   client secrets live in Secrets Manager under the service's own key, see secrets.ts).
// - RETAIN: deleting the stack must never delete the settings or the app catalog.
export const TABLE_DEFAULTS = {
  billingMode: BillingMode.PAY_PER_REQUEST,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  encryption: TableEncryption.AWS_MANAGED,
  removalPolicy: RemovalPolicy.RETAIN,
} as const satisfies Partial<TableProps>;

/** Item writes, for `grantOwnItems`. */
export const ITEM_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/**
 * Partition keys of the servers table that functions other than the settings API write: the state items
 * (`state#<id>`, lib/servers/dynamodb-server-store.ts) and leases (`lease#<name>`, lib/leases/dynamodb-lease.ts).
 * The settings items themselves (`onprem`, `cloud`) are written by the settings API alone.
 */
export const SERVER_STATE_KEYS = ['state#onprem', 'state#cloud'] as const;
export const leaseKey = (name: string) => `lease#${name}`;

/**
 * Lets `grantee` use `actions` on `table` only for items whose partition key matches one of `leadingKeys` (IAM's
 * `dynamodb:LeadingKeys`, `*` wildcards allowed): a function that touches only its own items cannot change the
 * others, whatever its code does.
 */
export function grantOwnItems(
  table: ITable,
  grantee: IGrantable,
  actions: readonly string[],
  leadingKeys: readonly string[],
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [...actions],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } },
    }),
  );
}

/**
 * The service's state in DynamoDB: `servers` (pk `id` = `onprem` | `cloud`, later also leases and idempotency
 * records that expire through `expiresAt`) and `apps` (the Qlik Repository: pk `serverId`, sk `appId`).
 */
export class ServiceTables extends Construct {
  readonly servers: Table;
  readonly apps: Table;
  /** The audit trail: append-only (functions get PutItem and Query, never Update or Delete), 400-day TTL. */
  readonly audit: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.servers = new Table(this, 'Servers', {
      ...TABLE_DEFAULTS,
      partitionKey: { name: SERVERS_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      // Leases expire through it.
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });

    this.apps = new Table(this, 'Apps', {
      ...TABLE_DEFAULTS,
      partitionKey: { name: APPS_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: APPS_TABLE_KEYS.sortKey, type: AttributeType.STRING },
    });

    this.audit = new Table(this, 'Audit', {
      ...TABLE_DEFAULTS,
      partitionKey: { name: AUDIT_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: AUDIT_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    this.audit.addGlobalSecondaryIndex({
      indexName: AUDIT_ALL_SERVERS_INDEX,
      partitionKey: { name: 'trail', type: AttributeType.STRING },
      sortKey: { name: AUDIT_TABLE_KEYS.sortKey, type: AttributeType.STRING },
    });
  }

  /** Lets a function add audit entries, and nothing else: the trail has no update or delete path. */
  grantAuditAppend(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:PutItem'], resourceArns: [this.audit.tableArn] });
  }

  /** Lets a function read the trail: the table and its all-servers index, named (no `index/*` wildcard). */
  grantAuditRead(grantee: IGrantable): void {
    const index = `${this.audit.tableArn}/index/${AUDIT_ALL_SERVERS_INDEX}`;
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [this.audit.tableArn, index] });
  }

  /** The variables through which the functions find the tables. */
  get environment(): FunctionEnvironment {
    return {
      SERVERS_TABLE_NAME: this.servers.tableName,
      APPS_TABLE_NAME: this.apps.tableName,
      AUDIT_TABLE_NAME: this.audit.tableName,
    };
  }
}
