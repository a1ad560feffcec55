/**
 * The embedded SQS for `npm start` and the tests: fauxqs (the SQS JSON protocol in-process, with visibility timeouts,
 * ChangeMessageVisibility and DLQ redrive), bound to 127.0.0.1. fauxqs's own `startFauxqs` always listens on every
 * interface, so this builds its app and listens on loopback itself. Queues live in memory: messages do not survive a
 * restart (the local runtime re-queues unfinished executions at start, see local-extractions.ts).
 */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import type { ServerId } from '#lib/servers/server-settings.ts';
import { SERVER_IDS } from '#lib/servers/server-id.ts';

export interface LocalSqs {
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalSqs(): Promise<LocalSqs> {
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { endpoint: address, close: () => app.close() };
}

export interface ServerQueue {
  url: string;
  arn: string;
  deadLetterUrl: string;
}

/** What the stack gives each server's queue, scaled for local timeouts. */
export interface ExtractionQueueOptions {
  /** The queue's visibility timeout: at least 6x the worker's timeout in AWS. */
  visibilityTimeoutSeconds: number;
  /** Receives before SQS itself dead-letters a message; high because no-slot returns count as receives. */
  maxReceiveCount: number;
}

/** Creates (or finds) one queue and one dead-letter queue per server, named like the stack's. */
export async function ensureExtractionQueues(
  client: SQSClient,
  prefix: string,
  options: ExtractionQueueOptions,
): Promise<Record<ServerId, ServerQueue>> {
  const entries = await Promise.all(
    SERVER_IDS.map(async (serverId) => {
      const dlq = await client.send(
        new CreateQueueCommand({
          QueueName: `${prefix}-${serverId}-dlq`,
          Attributes: { MessageRetentionPeriod: '1209600' },
        }),
      );
      const dlqArn = await queueArn(client, dlq.QueueUrl!);
      const queue = await client.send(
        new CreateQueueCommand({
          QueueName: `${prefix}-${serverId}`,
          Attributes: {
            VisibilityTimeout: String(options.visibilityTimeoutSeconds),
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount }),
          },
        }),
      );
      return [
        serverId,
        { url: queue.QueueUrl!, arn: await queueArn(client, queue.QueueUrl!), deadLetterUrl: dlq.QueueUrl! },
      ] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ServerId, ServerQueue>;
}

async function queueArn(client: SQSClient, url: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return Attributes!.QueueArn!;
}
