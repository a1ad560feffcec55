/** LeaseProvider on DynamoDB: a conditional put on `lease#<name>` that succeeds when the item is absent or expired. */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lease, LeaseProvider } from '#lib/leases/lease.ts';
import { TTL_ATTRIBUTE } from '#lib/aws/table-definitions.ts';

export class DynamoDbLeaseProvider implements LeaseProvider {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async tryAcquire(name: string, ttlMs: number, handoverOwner?: string): Promise<Lease | null> {
    const owner = handoverOwner ?? randomUUID();
    const key = { id: `lease#${name}` };
    const now = Date.now();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, owner, leaseUntil: now + ttlMs, [TTL_ATTRIBUTE]: Math.ceil((now + ttlMs) / 1000) + 3600 },
          ConditionExpression: `attribute_not_exists(id) OR leaseUntil < :now${handoverOwner ? ' OR #owner = :owner' : ''}`,
          ...(handoverOwner ? { ExpressionAttributeNames: { '#owner': 'owner' } } : {}),
          ExpressionAttributeValues: { ':now': now, ...(handoverOwner ? { ':owner': handoverOwner } : {}) },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
    const ownedBy = { ConditionExpression: '#owner = :owner', ExpressionAttributeNames: { '#owner': 'owner' } };
    return {
      name,
      renew: async (extendMs) => {
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: 'SET leaseUntil = :until',
              ...ownedBy,
              ExpressionAttributeValues: { ':owner': owner, ':until': Date.now() + extendMs },
            }),
          );
          return true;
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return false;
          throw error;
        }
      },
      release: async () => {
        try {
          await this.client.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: key,
              ...ownedBy,
              ExpressionAttributeValues: { ':owner': owner },
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      },
    };
  }
}
