/**
 * Extractions in the local runtime: the embedded SQS on loopback, one queue and dead-letter queue per server, and an
 * event source poller per queue that invokes the same extraction-worker handler as Lambda does. The pollers follow the
 * cap in force (max(2, N) loops, as the stack's MaximumConcurrency); the exact cap is the worker's slot lease, as in
 * AWS. Unfinished executions are queued again at start, since the embedded queue keeps messages in memory only.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { sharedDocumentClient } from '#lib/aws/clients.ts';
import { DynamoDbSlotLeases } from '#lib/executions/dynamodb-slot-leases.ts';
import { mappingConcurrencyFor } from '#lib/executions/execution-capacity.ts';
import { DynamoDbServerStore } from '#lib/servers/dynamodb-server-store.ts';
import { SERVER_IDS } from '#lib/servers/server-id.ts';
import { DEFAULT_MAX_PARALLEL_EXECUTIONS } from '#lib/servers/execution-cap.ts';
import { ensureExtractionQueues, startLocalSqs } from '#lib/local/local-sqs.ts';
import { onFirstUse } from '#lib/on-first-use.ts';
import { startSqsEventSourcePoller, type Poller, type SqsHandler } from '#lib/local/sqs-event-source-poller.ts';

export interface LocalExtractions {
  /** Environment for the handlers: queue URLs and the SQS endpoint. */
  env: Record<string, string>;
  /** Starts the pollers (after the handlers' environment is in place). */
  start(): Promise<void>;
  pollers: Poller[];
  close(): Promise<void>;
}

/** The worker's time limit locally and the queue's visibility timeout (6x, as in the stack). */
export interface LocalExtractionOptions {
  timeoutSeconds: number;
  visibilityTimeoutSeconds?: number;
  /** The handler to invoke; default: functions/extraction-worker. */
  handler?: () => Promise<SqsHandler>;
}

export async function startLocalExtractions(options: LocalExtractionOptions): Promise<LocalExtractions> {
  // Executions queued from now on have their messages in this queue; only older unfinished ones lost theirs.
  const queueCreatedAt = new Date().toISOString();
  const sqsServer = await startLocalSqs();
  const client = new SQSClient({
    endpoint: sqsServer.endpoint,
    useQueueUrlAsEndpoint: false,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const queues = await ensureExtractionQueues(client, 'kpimailer-extractions', {
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? options.timeoutSeconds * 6,
    maxReceiveCount: 1000,
  });
  const env = {
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    EXTRACTION_QUEUE_URLS: JSON.stringify(Object.fromEntries(SERVER_IDS.map((id) => [id, queues[id].url]))),
    EXTRACTION_DLQ_URLS: JSON.stringify(Object.fromEntries(SERVER_IDS.map((id) => [id, queues[id].deadLetterUrl]))),
    EXTRACTION_TIMEOUT_SECONDS: String(options.timeoutSeconds),
  };
  const pollers: Poller[] = [];
  // Imported once, on the first message, after the runtime has set the environment the handler reads.
  const handler =
    options.handler ??
    onFirstUse(async () => (await import('#functions/extraction-worker/handler.ts')).handler as unknown as SqsHandler);

  return {
    env,
    pollers,
    start: async () => {
      const serversTable = process.env.SERVERS_TABLE_NAME!;
      const slots = new DynamoDbSlotLeases(sharedDocumentClient(), serversTable);
      const servers = new DynamoDbServerStore(sharedDocumentClient(), serversTable);
      await requeueUnfinished(client, queues, queueCreatedAt);
      for (const serverId of SERVER_IDS) {
        pollers.push(
          startSqsEventSourcePoller({
            client,
            queueUrl: queues[serverId].url,
            queueArn: queues[serverId].arn,
            functionName: 'extraction-worker',
            handler,
            timeoutMs: options.timeoutSeconds * 1000 + 5_000,
            maximumConcurrency: async () => {
              const { limit } = await slots.state(serverId);
              return mappingConcurrencyFor(
                limit ??
                  (await servers.get(serverId))?.settings.maxParallelExecutions ??
                  DEFAULT_MAX_PARALLEL_EXECUTIONS,
              );
            },
          }),
        );
      }
    },
    close: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      client.destroy();
      await sqsServer.close();
    },
  };
}

/** Queues again what a previous run left unfinished (queued before this run's queue existed), once each. */
async function requeueUnfinished(
  client: SQSClient,
  queues: Awaited<ReturnType<typeof ensureExtractionQueues>>,
  before: string,
): Promise<void> {
  const tableName = process.env.EXECUTIONS_TABLE_NAME;
  if (!tableName) return;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await sharedDocumentClient().send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#status IN (:queued, :running) AND queuedAt < :before',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':queued': 'queued', ':running': 'running', ':before': before },
        ProjectionExpression: 'executionId, serverId',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const serverId = item.serverId as keyof typeof queues;
      await client.send(
        new SendMessageCommand({
          QueueUrl: queues[serverId].url,
          MessageBody: JSON.stringify({ executionId: item.executionId, serverId }),
        }),
      );
    }
    start = page.LastEvaluatedKey;
  } while (start);
}
