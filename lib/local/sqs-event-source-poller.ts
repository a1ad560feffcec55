/**
 * The local stand-in for Lambda's SQS event source mapping: poll loops that receive one message at a time (batch
 * size 1), hand the handler the same `SQSEvent` record shape Lambda builds, delete what the handler did not list in
 * `batchItemFailures` (ReportBatchItemFailures) and leave the rest to their visibility timeout. The number of loops
 * follows `maximumConcurrency()` (the mapping's MaximumConcurrency, re-read every second), as a mapping does after
 * UpdateEventSourceMapping. An invocation that outlives `timeoutMs` is abandoned, as Lambda stops a timed-out
 * function: its message is not deleted and comes back after the queue's visibility timeout.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from '#lib/local/api-gateway-adapter.ts';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: () => Promise<SqsHandler>;
  maximumConcurrency: () => Promise<number>;
  timeoutMs: number;
  /** How often the concurrency is re-read. Default 1 s. */
  followEveryMs?: number;
  onError?: (error: unknown) => void;
}

export interface Poller {
  /** Invocations running now (tests read it). */
  readonly inFlight: number;
  stop(): Promise<void>;
}

export function startSqsEventSourcePoller(options: PollerOptions): Poller {
  let desired = 0;
  let running = true;
  let inFlight = 0;
  const loops = new Map<number, Promise<void>>();
  const aborts = new AbortController();
  const report = options.onError ?? ((error: unknown) => console.error('local event source: poll failed', error));

  const loop = async (index: number): Promise<void> => {
    while (running && index < desired) {
      let messages: Message[];
      try {
        const received = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: aborts.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (!running) return;
        report(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (messages.length === 0) continue;
      inFlight++;
      try {
        await invoke(messages);
      } catch (error) {
        report(error);
      } finally {
        inFlight--;
      }
    }
  };

  const invoke = async (messages: Message[]): Promise<void> => {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options.queueArn)) };
    const handler = await options.handler();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)),
    );
    let outcome: SQSBatchResponse | void | 'timeout';
    try {
      outcome = await Promise.race([handler(event, lambdaContext(options.functionName)), timedOut]);
    } catch (error) {
      // A function error fails the whole batch: every message comes back after its visibility timeout.
      report(error);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'timeout') return;
    const failed = new Set((outcome?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    await Promise.all(
      messages
        .filter((m) => !failed.has(m.MessageId!))
        .map((m) =>
          options.client.send(
            new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: m.ReceiptHandle! }),
          ),
        ),
    );
  };

  const follow = async () => {
    try {
      desired = Math.max(1, await options.maximumConcurrency());
    } catch (error) {
      report(error);
      return;
    }
    for (let index = 0; index < desired; index++) {
      if (!loops.has(index))
        loops.set(
          index,
          loop(index).finally(() => loops.delete(index)),
        );
    }
  };
  const follower = setInterval(() => void follow(), options.followEveryMs ?? 1000);
  void follow();

  return {
    get inFlight() {
      return inFlight;
    },
    stop: async () => {
      running = false;
      clearInterval(follower);
      aborts.abort();
      await Promise.allSettled([...loops.values()]);
    },
  };
}

/** The record Lambda gives a function for one SQS message. */
function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          stringValue: value.StringValue,
          binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
}
