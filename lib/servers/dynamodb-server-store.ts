/**
 * ServerStore on DynamoDB. One table, two items per server: the versioned settings (`id` = server id) and the
 * operational state (`id` = `state#<server id>`), so test and sync results never race an admin's save.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#lib/errors.ts';
import type { ServerStore } from '#lib/servers/server-ports.ts';
import { EMPTY_SERVER_STATE, type ServerRecord, type ServerState } from '#lib/servers/server-record.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

/** The key of a server's state item (tests that reset the table use it too). */
export const stateKey = (id: ServerId) => `state#${id}`;

export class DynamoDbServerStore implements ServerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: ServerId): Promise<ServerRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return (Item as ServerRecord | undefined) ?? null;
  }

  async putSettings(record: ServerRecord, expectedVersion: number | null): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(id)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError(
          `The ${record.id} server settings were changed by someone else. Reload them and apply your change again.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async getState(id: ServerId): Promise<ServerState> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id: stateKey(id) }, ConsistentRead: true }),
    );
    if (!Item) return { ...EMPTY_SERVER_STATE };
    const { id: _key, ...state } = Item;
    return { ...EMPTY_SERVER_STATE, ...(state as Partial<ServerState>) };
  }

  async updateState(id: ServerId, patch: Partial<ServerState>): Promise<void> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id: stateKey(id) },
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([key], i) => [`#f${i}`, key])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
      }),
    );
  }

  async delete(id: ServerId): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { id } }));
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { id: stateKey(id) } }));
  }
}
