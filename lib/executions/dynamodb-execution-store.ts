/**
 * ExecutionStore on DynamoDB. Every state change is one conditional UpdateItem, so two deliveries of the same
 * message (SQS is at-least-once) or a late zombie attempt can never both run or both finish an execution:
 * - `start` claims the execution until `claimUntil` (the slot's expiry) and counts the attempt;
 * - `succeed`/`fail`/`requeue` only apply to the attempt that is current.
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
import { QUEUED_INDEX, TTL_ATTRIBUTE } from '#lib/aws/table-definitions.ts';
import type { ExecutionStore } from '#lib/executions/execution-ports.ts';
import type { ExecutionError, ExecutionRecord, ExecutionResultInfo } from '#lib/executions/execution-types.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

/** Execution records outlive their results (7 days in S3) so a late GET still explains what happened. */
const RECORD_RETENTION_SECONDS = 30 * 24 * 3600;

type StoredExecution = ExecutionRecord & { queuedOn?: string; claimUntil?: number; [TTL_ATTRIBUTE]?: number };

export class DynamoDbExecutionStore implements ExecutionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: ExecutionRecord): Promise<boolean> {
    // No startedAt/finishedAt attributes until they happen: `if_not_exists(startedAt, …)` keeps the first attempt's.
    const item = {
      ...record,
      startedAt: undefined,
      finishedAt: undefined,
      queuedOn: record.serverId,
      [TTL_ATTRIBUTE]: Math.ceil(Date.parse(record.queuedAt) / 1000) + RECORD_RETENTION_SECONDS,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(executionId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(executionId: string): Promise<ExecutionRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { executionId }, ConsistentRead: true }),
    );
    return Item ? strip(Item as StoredExecution) : null;
  }

  async remove(executionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { executionId } }));
  }

  async start(executionId: string, claimUntilMs: number, at: string): Promise<ExecutionRecord | null> {
    return this.conditional(async () => {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { executionId },
          UpdateExpression:
            'SET #status = :running, startedAt = if_not_exists(startedAt, :at), claimUntil = :until ADD attempts :one REMOVE queuedOn',
          ConditionExpression:
            'attribute_exists(executionId) AND #status IN (:queued, :running) AND (attribute_not_exists(claimUntil) OR claimUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':queued': 'queued',
            ':at': at,
            ':until': claimUntilMs,
            ':one': 1,
            ':now': Date.now(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip(Attributes as StoredExecution);
    });
  }

  async succeed(executionId: string, attempt: number, result: ExecutionResultInfo, at: string): Promise<boolean> {
    return this.finish(
      executionId,
      attempt,
      'SET #status = :done, finishedAt = :at, #result = :result, #error = :none REMOVE claimUntil',
      {
        ':done': 'succeeded',
        ':at': at,
        ':result': result,
        ':none': null,
      },
    );
  }

  async fail(executionId: string, attempt: number, error: ExecutionError, at: string): Promise<boolean> {
    return this.finish(
      executionId,
      attempt,
      'SET #status = :done, finishedAt = :at, #error = :error REMOVE claimUntil, queuedOn',
      {
        ':done': 'failed',
        ':at': at,
        ':error': error,
      },
    );
  }

  async requeue(executionId: string, attempt: number, error: ExecutionError): Promise<void> {
    const record = await this.get(executionId);
    if (!record) return;
    await this.finish(
      executionId,
      attempt,
      'SET #status = :queued, #error = :error, queuedOn = :server REMOVE claimUntil',
      {
        ':queued': 'queued',
        ':error': error,
        ':server': record.serverId,
      },
    );
  }

  async countQueued(serverId: ServerId): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: QUEUED_INDEX.name,
          KeyConditionExpression: '#on = :server',
          ExpressionAttributeNames: { '#on': QUEUED_INDEX.partitionKey },
          ExpressionAttributeValues: { ':server': serverId },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  private async finish(
    executionId: string,
    attempt: number,
    update: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    const done = await this.conditional(async () => {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { executionId },
          UpdateExpression: update,
          ConditionExpression: '#status = :isRunning AND attempts = :attempt',
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(update.includes('#result') ? { '#result': 'result' } : {}),
            ...(update.includes('#error') ? { '#error': 'error' } : {}),
          },
          ExpressionAttributeValues: { ...values, ':isRunning': 'running', ':attempt': attempt },
        }),
      );
      return true;
    });
    return done ?? false;
  }

  private async conditional<T>(write: () => Promise<T>): Promise<T | null> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }
}

function strip(item: StoredExecution): ExecutionRecord {
  const { queuedOn: _q, claimUntil: _c, [TTL_ATTRIBUTE]: _t, ...record } = item;
  return { ...record, startedAt: record.startedAt ?? null, finishedAt: record.finishedAt ?? null };
}
