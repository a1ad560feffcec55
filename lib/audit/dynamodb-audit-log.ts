/**
 * AuditLog and AuditTrail on DynamoDB. One item per entry, partition `serverId`, sort key `entryKey`
 * (`<ISO time>#<random id>`, so newest first is a reverse query); the `all-servers` index puts every entry in one
 * partition (`trail`) for the all-servers view: an admin trail is a few entries a day, far from a hot partition.
 * Items are written with a condition that they do not exist yet and expire through TTL after 400 days.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#lib/errors.ts';
import { AUDIT_ALL_SERVERS_INDEX, AUDIT_TRAIL_PARTITION, TTL_ATTRIBUTE } from '#lib/aws/table-definitions.ts';
import type { AuditEntry, AuditLog, AuditPage, AuditTrail, NewAuditEntry } from '#lib/audit/audit-log.ts';
import { isServerId, type ServerId } from '#lib/servers/server-id.ts';

export const AUDIT_RETENTION_DAYS = 400;
const DAY_SECONDS = 24 * 60 * 60;

interface AuditItem extends AuditEntry {
  entryKey: string;
  trail: string;
  [TTL_ATTRIBUTE]: number;
}

export class DynamoDbAuditLog implements AuditLog, AuditTrail {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: NewAuditEntry): Promise<void> {
    const at = entry.at ?? this.now().toISOString();
    const item: AuditItem = {
      ...entry,
      at,
      entryKey: `${at}#${randomUUID()}`,
      trail: AUDIT_TRAIL_PARTITION,
      [TTL_ATTRIBUTE]: Math.floor(Date.parse(at) / 1000) + AUDIT_RETENTION_DAYS * DAY_SECONDS,
    };
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(entryKey)' }),
    );
  }

  async list(query: { serverId?: ServerId; limit: number; cursor?: string | null }): Promise<AuditPage> {
    const start = query.cursor ? decodeAuditCursor(query.cursor) : undefined;
    const byServer = query.serverId !== undefined;
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(byServer
          ? {
              KeyConditionExpression: 'serverId = :partition',
              ExpressionAttributeValues: { ':partition': query.serverId },
            }
          : {
              IndexName: AUDIT_ALL_SERVERS_INDEX,
              KeyConditionExpression: 'trail = :partition',
              ExpressionAttributeValues: { ':partition': AUDIT_TRAIL_PARTITION },
            }),
        ScanIndexForward: false,
        Limit: query.limit,
        ...(start
          ? {
              ExclusiveStartKey: byServer
                ? { serverId: start.serverId, entryKey: start.entryKey }
                : { ...start, trail: AUDIT_TRAIL_PARTITION },
            }
          : {}),
      }),
    );
    const entries = (Items as AuditItem[]).map(
      ({ entryKey: _key, trail: _trail, [TTL_ATTRIBUTE]: _ttl, ...entry }) => entry,
    );
    const last = LastEvaluatedKey as { serverId?: string; entryKey?: string } | undefined;
    return {
      entries,
      nextCursor: last?.entryKey && last.serverId ? encodeAuditCursor(last.serverId, last.entryKey) : null,
    };
  }
}

function encodeAuditCursor(serverId: string, entryKey: string): string {
  return Buffer.from(JSON.stringify({ s: serverId, k: entryKey })).toString('base64url');
}

function decodeAuditCursor(cursor: string): { serverId: ServerId; entryKey: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    if (isServerId(value.s) && typeof value.k === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z#[\w-]+$/.test(value.k))
      return { serverId: value.s, entryKey: value.k };
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([
    { field: 'cursor', message: 'The cursor is not one this API returned; start again without it.' },
  ]);
}
