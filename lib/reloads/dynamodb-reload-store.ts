/**
 * The reload events table (`RELOAD_EVENTS_TABLE_NAME`, keys `pk`/`sk`, TTL on `expiresAt`), holding three kinds of
 * item:
 *
 *   ledger     pk `event#<key>`          sk `-`                        state claimed|done, leaseUntil (ms)
 *   history    pk `reloads#<serverId>`   sk `<finishedAt>#<reloadId>`  the normalized event (30-day TTL)
 *   watermark  pk `watermark#<name>`     sk `-`                        value
 *
 * Only single-item conditional writes are used: the `npm start` emulator (dynalite) has no transactions, and none
 * are needed because each step of the pipeline is idempotent on its own. TTL deletion is lazy (and absent in the
 * emulators), so every read and condition treats an item past `expiresAt` as gone.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TTL_ATTRIBUTE } from '#lib/aws/table-definitions.ts';
import {
  DEDUPLICATION_WINDOW_MS,
  type ClaimOutcome,
  type PollWatermarks,
  type ReloadFinishedEvent,
  type ReloadHistory,
  type ReloadLedger,
} from '#lib/reloads/reload-event.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

const DAY_S = 24 * 60 * 60;
/** The ledger keeps an event id for the deduplication window (reload-event.ts). */
export const LEDGER_TTL_S = DEDUPLICATION_WINDOW_MS / 1000;
export const HISTORY_TTL_S = 30 * DAY_S;
const SINGLE = '-';

export interface ReloadStoreOptions {
  now?: () => number;
}

export class DynamoDbReloadStore implements ReloadLedger, ReloadHistory, PollWatermarks {
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: ReloadStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async claim(key: string, leaseMs: number): Promise<ClaimOutcome> {
    const now = this.now();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `event#${key}`,
            sk: SINGLE,
            state: 'claimed',
            leaseUntil: now + leaseMs,
            [TTL_ATTRIBUTE]: epochS(now) + LEDGER_TTL_S,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR #ttl < :nowS OR (#state = :claimed AND leaseUntil < :nowMs)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#state': 'state' },
          ExpressionAttributeValues: { ':nowS': epochS(now), ':nowMs': now, ':claimed': 'claimed' },
          // DynamoDB returns the blocking item with the error; dynalite does not, so a read follows there.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const returned = error.Item?.state?.S;
      const state = returned ?? (await this.ledgerState(key));
      // Gone between the write and the read (released by a failing worker): the sender's retry will claim it.
      return state === 'done' ? 'done' : 'in-progress';
    }
  }

  async complete(key: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `event#${key}`, sk: SINGLE },
        UpdateExpression: 'SET #state = :done REMOVE leaseUntil',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':done': 'done' },
      }),
    );
  }

  async release(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: `event#${key}`, sk: SINGLE },
          ConditionExpression: '#state = :claimed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async put(event: ReloadFinishedEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: historyKey(event.serverId),
          sk: `${event.finishedAt}#${event.reloadId}`,
          ...event,
          [TTL_ATTRIBUTE]: epochS(this.now()) + HISTORY_TTL_S,
        },
      }),
    );
  }

  async list(serverId: ServerId, limit: number): Promise<ReloadFinishedEvent[]> {
    const events: ReloadFinishedEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Expired-but-not-yet-deleted items are filtered out after the read, so a page may come back short.
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': historyKey(serverId) },
          ScanIndexForward: false,
          Limit: limit - events.length,
          ExclusiveStartKey: startKey,
        }),
      );
      const nowS = epochS(this.now());
      for (const item of page.Items ?? []) if (!(Number(item[TTL_ATTRIBUTE]) < nowS)) events.push(toEvent(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && events.length < limit);
    return events;
  }

  async get(name: string): Promise<string | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `watermark#${name}`, sk: SINGLE }, ConsistentRead: true }),
    );
    return typeof Item?.value === 'string' ? Item.value : null;
  }

  async set(name: string, value: string): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: `watermark#${name}`, sk: SINGLE, value } }),
    );
  }

  private async ledgerState(key: string): Promise<string | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `event#${key}`, sk: SINGLE }, ConsistentRead: true }),
    );
    return typeof Item?.state === 'string' ? Item.state : null;
  }
}

const historyKey = (serverId: ServerId) => `reloads#${serverId}`;
const epochS = (ms: number) => Math.floor(ms / 1000);

function toEvent(item: Record<string, unknown>): ReloadFinishedEvent {
  const { pk: _pk, sk: _sk, [TTL_ATTRIBUTE]: _ttl, ...event } = item;
  return event as unknown as ReloadFinishedEvent;
}
