/**
 * Key schemas of the service's DynamoDB tables. The CDK stack and every local emulator (the `npm start` runtime,
 * integration tests) create tables from these, so the code meets the same keys everywhere.
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
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  };
}

export function appsTable(TableName: string): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'serverId', AttributeType: 'S' },
      { AttributeName: 'appId', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'serverId', KeyType: 'HASH' },
      { AttributeName: 'appId', KeyType: 'RANGE' },
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
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  };
}
