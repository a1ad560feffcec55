/**
 * AppCatalog on DynamoDB: table pk `serverId`, sk `appId`, one item per app. Items also carry `nameLower` so the
 * apps API can filter by name with a FilterExpression (DynamoDB's `contains` is case-sensitive).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#lib/errors.ts';
import type {
  AppCatalog,
  AppPage,
  AppPageQuery,
  KeyRange,
  LastReload,
  StoredApp,
  StoredDigest,
} from '#lib/repository/app-catalog.ts';
import { normalizeTime } from '#lib/repository/app-hash.ts';
import { BATCH_SIZE } from '#lib/repository/batch-writer.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

const DIGEST_PROJECTION = {
  ProjectionExpression: 'appId, #hash, reloadEvent',
  ExpressionAttributeNames: { '#hash': 'hash' },
};
/** Items read per Query while filtering by name, and Queries per API call, so a rare name cannot make one call scan forever. */
const FILTER_QUERY_LIMIT = 500;
const MAX_QUERIES_PER_PAGE = 20;

export class DynamoDbAppCatalog implements AppCatalog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordReload(
    serverId: ServerId,
    appId: string,
    lastReload: { at: string; status: 'succeeded' | 'failed' | 'canceled' },
  ) {
    const at = normalizeTime(lastReload.at);
    if (!at) throw new ValidationError([{ field: 'lastReload.at', message: `"${lastReload.at}" is not a time.` }]);
    const reload: LastReload = { at, status: lastReload.status };
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { serverId, appId },
          UpdateExpression: 'SET lastReload = :reload, reloadEvent = :reload',
          // Times are stored normalized (ISO with milliseconds), so they order as strings.
          ConditionExpression:
            'attribute_exists(appId) AND (attribute_not_exists(lastReload.#at) OR lastReload.#at <= :at)',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':reload': reload, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { appName: String(Attributes?.name ?? '') };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Either the app is not in the catalog, or a newer reload is already recorded; tell them apart.
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { serverId, appId },
          ProjectionExpression: '#name',
          ExpressionAttributeNames: { '#name': 'name' },
        }),
      );
      return Item ? { appName: String(Item.name ?? '') } : null;
    }
  }

  async *streamDigests(serverId: ServerId, signal?: AbortSignal, range: KeyRange = {}): AsyncGenerator<StoredDigest[]> {
    const { condition, values } = rangeCondition(range);
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `serverId = :serverId${condition}`,
          ExpressionAttributeValues: { ':serverId': serverId, ...values },
          ...DIGEST_PROJECTION,
          ExclusiveStartKey,
        }),
        { abortSignal: signal },
      );
      yield (page.Items ?? []).map(toDigest);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  async getDigests(serverId: ServerId, appIds: string[]): Promise<StoredDigest[]> {
    if (appIds.length > 100) throw new Error('getDigests takes at most 100 ids per call');
    const found: StoredDigest[] = [];
    let keys: Record<string, unknown>[] = appIds.map((appId) => ({ serverId, appId }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > 0)
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 25 * 2 ** attempt) * Math.random()));
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed keys while reading stored apps.');
      const result = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ...DIGEST_PROJECTION } } }),
      );
      found.push(...(result.Responses?.[this.tableName] ?? []).map(toDigest));
      keys = (result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    return found;
  }

  async writeBatch(serverId: ServerId, batch: { puts: StoredApp[]; deletes: string[] }) {
    if (batch.puts.length + batch.deletes.length > BATCH_SIZE)
      throw new Error(`BatchWriteItem takes at most ${BATCH_SIZE} requests`);
    const requests = [
      ...batch.puts.map((app) => ({ PutRequest: { Item: toItem(app) } })),
      ...batch.deletes.map((appId) => ({ DeleteRequest: { Key: { serverId, appId } } })),
    ];
    const result = await this.client.send(
      new BatchWriteCommand({ RequestItems: { [this.tableName]: requests }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    const left = result.UnprocessedItems?.[this.tableName] ?? [];
    const unprocessed = {
      puts: left.flatMap((r) => (r.PutRequest?.Item ? [fromItem(r.PutRequest.Item)] : [])),
      deletes: left.flatMap((r) => (r.DeleteRequest?.Key ? [String(r.DeleteRequest.Key.appId)] : [])),
    };
    const reported = result.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    return { unprocessed, writeUnits: reported ?? estimateWriteUnits(batch, unprocessed) };
  }

  async listApps(serverId: ServerId, query: AppPageQuery): Promise<AppPage> {
    const needle = query.nameContains?.trim().toLowerCase() || null;
    const apps: StoredApp[] = [];
    let startKey = query.cursor ? { serverId, appId: decodeCursor(query.cursor) } : undefined;
    for (let calls = 0; calls < MAX_QUERIES_PER_PAGE; calls++) {
      const wanted = query.limit - apps.length;
      const input: QueryCommandInput = {
        TableName: this.tableName,
        KeyConditionExpression: 'serverId = :serverId',
        ExpressionAttributeValues: { ':serverId': serverId, ...(needle ? { ':needle': needle } : {}) },
        ...(needle ? { FilterExpression: 'contains(nameLower, :needle)' } : {}),
        // One item more than needed tells whether another page exists, without an empty last page.
        Limit: needle ? FILTER_QUERY_LIMIT : wanted + 1,
        ExclusiveStartKey: startKey,
      };
      const page = await this.client.send(new QueryCommand(input));
      const items = (page.Items ?? []).map(fromItem);
      for (let i = 0; i < items.length; i++) {
        if (apps.length === query.limit) return { apps, nextCursor: encodeCursor(apps[apps.length - 1]!.appId) };
        apps.push(items[i]!);
      }
      if (!page.LastEvaluatedKey) return { apps, nextCursor: null };
      if (apps.length === query.limit) return { apps, nextCursor: encodeCursor(apps[apps.length - 1]!.appId) };
      startKey = page.LastEvaluatedKey as { serverId: ServerId; appId: string };
    }
    // A rare name over a large catalog: hand back what was found and where to go on.
    return { apps, nextCursor: startKey ? encodeCursor(String(startKey.appId)) : null };
  }
}

/** DynamoDB takes one sort-key condition: both ends as BETWEEN (inclusive), one end as >= or <=. */
function rangeCondition(range: KeyRange): { condition: string; values: Record<string, string> } {
  if (range.from !== undefined && range.to !== undefined)
    return { condition: ' AND appId BETWEEN :from AND :to', values: { ':from': range.from, ':to': range.to } };
  if (range.from !== undefined) return { condition: ' AND appId >= :from', values: { ':from': range.from } };
  if (range.to !== undefined) return { condition: ' AND appId <= :to', values: { ':to': range.to } };
  return { condition: '', values: {} };
}

function toItem(app: StoredApp): Record<string, unknown> {
  return { ...app, nameLower: app.name.toLowerCase() };
}

function fromItem(item: Record<string, unknown>): StoredApp {
  const { nameLower: _lower, ...app } = item;
  return app as unknown as StoredApp;
}

function toDigest(item: Record<string, unknown>): StoredDigest {
  return {
    appId: String(item.appId),
    hash: String(item.hash ?? ''),
    reloadEvent: (item.reloadEvent as LastReload | null | undefined) ?? null,
  };
}

/** DynamoDB Local and dynalite may not report capacity; a put costs 1 WCU per started KB, a delete at least 1. */
function estimateWriteUnits(
  batch: { puts: StoredApp[]; deletes: string[] },
  left: { puts: StoredApp[]; deletes: string[] },
): number {
  const puts = batch.puts.length - left.puts.length;
  const bytes = batch.puts.slice(0, puts).reduce((sum, app) => sum + Buffer.byteLength(JSON.stringify(toItem(app))), 0);
  return Math.max(puts, Math.ceil(bytes / 1024)) + (batch.deletes.length - left.deletes.length);
}

export function encodeCursor(appId: string): string {
  return Buffer.from(JSON.stringify({ a: appId })).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { a?: unknown };
    if (typeof value.a === 'string' && value.a) return value.a;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([
    { field: 'cursor', message: 'The cursor is not one this API returned; start again without it.' },
  ]);
}
