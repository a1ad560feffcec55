/**
 * ReloadPublisher for `npm start`, where no EventBridge exists: every publish is written to the reload events table
 * (pk `published#<serverId>`) and logged with the detail-type subscribers would match. Each call gets its own item,
 * so a duplicate publish shows up as two items: the benchmark and the tests count them to prove "exactly once".
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TTL_ATTRIBUTE } from '#lib/aws/table-definitions.ts';
import { logger } from '#lib/observability/logger.ts';
import { HISTORY_TTL_S } from '#lib/reloads/dynamodb-reload-store.ts';
import {
  RELOAD_EVENT_SOURCE,
  RELOAD_FINISHED_DETAIL_TYPE,
  type ReloadFinishedEvent,
  type ReloadPublisher,
} from '#lib/reloads/reload-event.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

export interface PublishedReload {
  publishedAt: string;
  detailType: string;
  source: string;
  detail: ReloadFinishedEvent;
}

export class LocalReloadPublisher implements ReloadPublisher {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async publish(event: ReloadFinishedEvent): Promise<void> {
    const published: PublishedReload = {
      publishedAt: new Date().toISOString(),
      detailType: RELOAD_FINISHED_DETAIL_TYPE,
      source: RELOAD_EVENT_SOURCE,
      detail: event,
    };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `published#${event.serverId}`,
          sk: `${published.publishedAt}#${event.reloadId}#${randomUUID()}`,
          ...published,
          [TTL_ATTRIBUTE]: Math.floor(Date.now() / 1000) + HISTORY_TTL_S,
        },
      }),
    );
    logger.info(RELOAD_FINISHED_DETAIL_TYPE, {
      detailType: RELOAD_FINISHED_DETAIL_TYPE,
      source: RELOAD_EVENT_SOURCE,
      detail: event,
    });
  }

  /** Everything published for a server, oldest first (tests, benchmark, and a developer's curiosity). */
  async listPublished(serverId: ServerId): Promise<PublishedReload[]> {
    const items: PublishedReload[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `published#${serverId}` },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? [])
        items.push({
          publishedAt: item.publishedAt,
          detailType: item.detailType,
          source: item.source,
          detail: item.detail,
        } as PublishedReload);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}
