/**
 * ExecutionQueue on SQS: one standard queue and one dead-letter queue per server. The local runtime runs this same
 * adapter against its loopback SQS (`AWS_ENDPOINT_URL_SQS`).
 */
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ExecutionQueue } from '#lib/executions/execution-ports.ts';
import type { ExecutionError, ExecutionMessage } from '#lib/executions/execution-types.ts';
import type { QueueUrls } from '#lib/executions/queue-urls.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

export class SqsExecutionQueue implements ExecutionQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queues: QueueUrls,
    private readonly deadLetterQueues: QueueUrls,
  ) {}

  async send(message: ExecutionMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queues[message.serverId], MessageBody: JSON.stringify(message) }),
    );
  }

  async retryLater(serverId: ServerId, receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queues[serverId],
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.round(seconds)),
      }),
    );
  }

  async deadLetter(message: ExecutionMessage, error: ExecutionError): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueues[message.serverId],
        MessageBody: JSON.stringify(message),
        MessageAttributes: {
          errorCode: { DataType: 'String', StringValue: error.code },
          errorMessage: { DataType: 'String', StringValue: error.message.slice(0, 1000) },
        },
      }),
    );
  }
}
