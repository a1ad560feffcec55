/**
 * Key schemas of the service's DynamoDB tables. The CDK stack (infra/constructs/data.ts, reload-events.ts) and every
 * local emulator (the `npm start` runtime, integration tests) create tables from these, so the code meets the same
 * keys everywhere.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const SERVERS_TABLE_KEYS = { partitionKey: 'id' } as const;
export const APPS_TABLE_KEYS = { partitionKey: 'serverId', sortKey: 'appId' } as const;
/** TTL attribute on every table that holds expiring items (leases, idempotency and reload records). */
export const TTL_ATTRIBUTE = 'expiresAt';

export function serversTable(TableName: string): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: SERVERS_TABLE_KEYS.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: SERVERS_TABLE_KEYS.partitionKey, KeyType: 'HASH' }],
  };
}

export function appsTable(TableName: string): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: APPS_TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: APPS_TABLE_KEYS.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: APPS_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: APPS_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
  };
}

/**
 * Reload events: idempotency records per Qlik event or QRS execution, the reload history per server (newest first
 * by sort key) and the polling watermark. Generic `pk`/`sk` because these kinds share one table; see
 * `lib/reloads/dynamodb-reload-store.ts` for the key layout. Items expire through TTL_ATTRIBUTE.
 */
export const RELOAD_EVENTS_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export function reloadEventsTable(TableName: string): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: RELOAD_EVENTS_TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: RELOAD_EVENTS_TABLE_KEYS.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: RELOAD_EVENTS_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: RELOAD_EVENTS_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
  };
}

/**
 * The audit trail: partition `serverId`, sort `entryKey` (`<ISO time>#<id>`, newest first by reverse query); the
 * `all-servers` index holds every entry under one `trail` partition for the all-servers view. Append-only; entries
 * expire through TTL_ATTRIBUTE (400 days). See `lib/audit/dynamodb-audit-log.ts`.
 */
export const AUDIT_TABLE_KEYS = { partitionKey: 'serverId', sortKey: 'entryKey' } as const;
export const AUDIT_ALL_SERVERS_INDEX = 'all-servers';
export const AUDIT_TRAIL_PARTITION = 'all';

export function auditTable(TableName: string): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'serverId', AttributeType: 'S' },
      { AttributeName: 'entryKey', AttributeType: 'S' },
      { AttributeName: 'trail', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'serverId', KeyType: 'HASH' },
      { AttributeName: 'entryKey', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: AUDIT_ALL_SERVERS_INDEX,
        KeySchema: [
          { AttributeName: 'trail', KeyType: 'HASH' },
          { AttributeName: 'entryKey', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/**
 * Extractions: one item per execution id. While an execution waits to start it carries `queuedOn` (its server id),
 * which puts it in the sparse QUEUED_INDEX, so counting a server's queue reads only the waiting ones.
 */
export const EXECUTIONS_TABLE_KEYS = { partitionKey: 'executionId' } as const;
export const QUEUED_INDEX = { name: 'queued-by-server', partitionKey: 'queuedOn', sortKey: 'queuedAt' } as const;

export function executionsTable(TableName: string): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'executionId', AttributeType: 'S' },
      { AttributeName: QUEUED_INDEX.partitionKey, AttributeType: 'S' },
      { AttributeName: QUEUED_INDEX.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'executionId', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: QUEUED_INDEX.name,
        KeySchema: [
          { AttributeName: QUEUED_INDEX.partitionKey, KeyType: 'HASH' },
          { AttributeName: QUEUED_INDEX.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
