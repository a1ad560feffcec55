/**
 * The exact per-server cap on DynamoDB: one item per server (`slots#<serverId>` in the servers table, beside the
 * other leases) holding the cap in force (`limit`, `appliedAt`) and a map of live slots (`holders`: token -> expiry).
 *
 * Taking a slot is one conditional UpdateItem, `size(holders) < limit`, evaluated and applied atomically by
 * DynamoDB, so N workers racing for the last slot cannot both win. Only when that fails does the worker read the
 * item: slots whose holder crashed have expired and are swept out in a write conditioned on the item's `version`
 * (which every taker bumps), so a sweep never overwrites a concurrent take. Releasing removes the worker's own
 * entry; a release never needs a condition because a token is only ever removed by its owner or by a sweep.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SlotLease, SlotLeases, SlotState } from '#lib/executions/execution-ports.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

interface SlotItem {
  id: string;
  limit?: number;
  appliedAt?: string;
  holders?: Record<string, number>;
  version?: number;
}

const MAX_SWEEP_RACES = 5;

export class DynamoDbSlotLeases implements SlotLeases {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async tryAcquire(serverId: ServerId, ttlMs: number, fallbackLimit: number): Promise<SlotLease | null> {
    const token = randomUUID();
    if (await this.takeFast(serverId, token, ttlMs)) return this.lease(serverId, token);
    for (let race = 0; race < MAX_SWEEP_RACES; race++) {
      const outcome = await this.takeBySweeping(serverId, token, ttlMs, fallbackLimit);
      if (outcome === 'taken') return this.lease(serverId, token);
      if (outcome === 'full') return null;
    }
    // Others kept changing the item under us: the cap is busy; the caller tries again shortly.
    return null;
  }

  async setLimit(serverId: ServerId, limit: number, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id: slotKey(serverId) },
        // The version bump makes a concurrent sweep, which read the old cap, retry against the new one.
        UpdateExpression:
          'SET #limit = :limit, appliedAt = :at, holders = if_not_exists(holders, :empty) ADD version :one',
        ExpressionAttributeNames: { '#limit': 'limit' },
        ExpressionAttributeValues: { ':limit': limit, ':at': at, ':empty': {}, ':one': 1 },
      }),
    );
  }

  async state(serverId: ServerId): Promise<SlotState> {
    const item = await this.read(serverId);
    const now = this.now();
    return {
      limit: item?.limit ?? null,
      appliedAt: item?.appliedAt ?? null,
      running: Object.values(item?.holders ?? {}).filter((until) => until > now).length,
    };
  }

  /** The usual case: a free slot under the cap, no expired ones to sweep. */
  private async takeFast(serverId: ServerId, token: string, ttlMs: number): Promise<boolean> {
    return this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: slotKey(serverId) },
          UpdateExpression: 'SET holders.#token = :until ADD version :one',
          ConditionExpression: 'size(holders) < #limit',
          ExpressionAttributeNames: { '#token': token, '#limit': 'limit' },
          ExpressionAttributeValues: { ':until': this.now() + ttlMs, ':one': 1 },
        }),
      ),
    );
  }

  private async takeBySweeping(
    serverId: ServerId,
    token: string,
    ttlMs: number,
    fallbackLimit: number,
  ): Promise<'taken' | 'full' | 'raced'> {
    const item = await this.read(serverId);
    const now = this.now();
    const holders = item?.holders ?? {};
    const expired = Object.keys(holders).filter((key) => holders[key]! <= now);
    const live = Object.keys(holders).length - expired.length;
    // Before any save applied a cap, the configured one counts (and is recorded, so later takes are fast).
    const limit = item?.limit ?? fallbackLimit;
    if (live >= limit) return 'full';
    const names: Record<string, string> = { '#token': token, '#limit': 'limit' };
    expired.forEach((key, i) => (names[`#x${i}`] = key));
    const removals = expired.length ? ` REMOVE ${expired.map((_, i) => `holders.#x${i}`).join(', ')}` : '';
    const taken = await this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: slotKey(serverId) },
          // A missing item or map is created here; `holders.#token` alone cannot create the map.
          UpdateExpression: item?.holders
            ? `SET holders.#token = :until, #limit = if_not_exists(#limit, :limit) ADD version :one${removals}`
            : 'SET holders = :mine, #limit = if_not_exists(#limit, :limit) ADD version :one',
          ConditionExpression: item?.version === undefined ? 'attribute_not_exists(version)' : 'version = :version',
          ExpressionAttributeNames: item?.holders ? names : { '#limit': 'limit' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ...(item?.holders ? { ':until': now + ttlMs } : { ':mine': { [token]: now + ttlMs } }),
            ...(item?.version === undefined ? {} : { ':version': item.version }),
          },
        }),
      ),
    );
    return taken ? 'taken' : 'raced';
  }

  private lease(serverId: ServerId, token: string): SlotLease {
    let released: Promise<void> | undefined;
    return {
      // Once: a second call waits for the first's outcome.
      release: () =>
        (released ??= this.client
          .send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { id: slotKey(serverId) },
              UpdateExpression: 'REMOVE holders.#token',
              ExpressionAttributeNames: { '#token': token },
            }),
          )
          .then(() => undefined)),
    };
  }

  private async read(serverId: ServerId): Promise<SlotItem | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id: slotKey(serverId) }, ConsistentRead: true }),
    );
    return (Item as SlotItem | undefined) ?? null;
  }

  private async conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

const slotKey = (serverId: ServerId) => `slots#${serverId}`;
