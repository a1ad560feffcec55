/**
 * The local stand-in for Lambda's SQS event source mapping: invocation loops that each hand the handler one message at
 * a time (batch size 1) in the same `SQSEvent` record shape Lambda builds, delete what the handler did not list in
 * `batchItemFailures` (ReportBatchItemFailures) and leave the rest to their visibility timeout. The number of loops
 * follows `maximumConcurrency()` (the mapping's MaximumConcurrency, re-read every second), as a mapping does after
 * UpdateEventSourceMapping. An invocation that outlives `timeoutMs` is abandoned, as Lambda stops a timed-out
 * function: its message is not deleted and comes back after the queue's visibility timeout.
 *
 * Receiving is not tied to invoking, as in Lambda, whose pollers long-poll the queue on their own and feed the
 * invocations from what they hold: one receiver keeps up to one message per invocation loop in hand, so a finished
 * invocation's successor starts without waiting for a ReceiveMessage round trip, and the deletes of handled messages
 * go out after the invocation returns, batched (DeleteMessageBatch), without holding up the next invocation. How
 * many batches Lambda's pollers hold while every allowed invocation is busy is not documented; holding one per
 * invocation is this stand-in's choice. Held messages are invisible to other consumers, so the cap in force is never
 * at stake (that is the worker's slot lease); the poller gives them back (visibility 0) when the concurrency drops
 * below what it holds and when it stops.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
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
  /** Messages received and held for the next invocations (at most the concurrency in force). */
  readonly held: number;
  stop(): Promise<void>;
}

/** SQS's limit on the entries of one batch call and on the messages of one receive. */
const SQS_BATCH_LIMIT = 10;
/** How long handled messages' deletes wait for others to share a DeleteMessageBatch. */
const DELETE_LINGER_MS = 100;

export function startSqsEventSourcePoller(options: PollerOptions): Poller {
  let desired = 0;
  let running = true;
  let inFlight = 0;
  const held: Message[] = [];
  /** Idle invocation loops by index, each waiting for a message (or null: stop, or its index is beyond the cap). */
  const idle = new Map<number, (message: Message | null) => void>();
  const loops = new Map<number, Promise<void>>();
  const aborts = new AbortController();
  const report = options.onError ?? ((error: unknown) => console.error('local event source: poll failed', error));
  const deletions = batchedDeletes(options.client, options.queueUrl, report);
  /** Messages being given back after the concurrency dropped; stop waits for them. */
  const background = new Set<Promise<void>>();
  let wakeReceiver: (() => void) | undefined;
  const receiverMayReceive = () => {
    wakeReceiver?.();
    wakeReceiver = undefined;
  };

  const nextMessage = (index: number): Promise<Message | null> => {
    const message = held.shift();
    if (message) {
      receiverMayReceive();
      return Promise.resolve(message);
    }
    return new Promise((resolve) => idle.set(index, resolve));
  };

  /** Gives a received message to an idle loop within the cap, or holds it. */
  const deliver = (message: Message) => {
    for (const [index, resolve] of idle) {
      if (index >= desired) continue;
      idle.delete(index);
      resolve(message);
      return;
    }
    held.push(message);
  };

  const loop = async (index: number): Promise<void> => {
    while (running && index < desired) {
      const message = await nextMessage(index);
      if (!message) return;
      inFlight++;
      try {
        await invoke(message);
      } catch (error) {
        report(error);
      } finally {
        inFlight--;
      }
    }
  };

  const receive = async (): Promise<void> => {
    while (running) {
      // Up to one message in hand per invocation loop, topped up once half of them went (fewer, larger receives).
      const wanted = Math.min(SQS_BATCH_LIMIT, desired - held.length);
      if (wanted <= 0 || held.length > Math.floor(desired / 2)) {
        await new Promise<void>((resolve) => (wakeReceiver = resolve));
        continue;
      }
      try {
        const received = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: wanted,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: aborts.signal },
        );
        for (const message of received.Messages ?? []) deliver(message);
      } catch (error) {
        if (!running) return;
        report(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  const invoke = async (message: Message): Promise<void> => {
    const event: SQSEvent = { Records: [toRecord(message, options.queueArn)] };
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
    if (!failed.has(message.MessageId!)) deletions.add(message.ReceiptHandle!);
  };

  const giveBack = async (messages: Message[]) => {
    for (let i = 0; i < messages.length; i += SQS_BATCH_LIMIT) {
      const entries = messages.slice(i, i + SQS_BATCH_LIMIT).map((m, j) => ({
        Id: String(j),
        ReceiptHandle: m.ReceiptHandle!,
        VisibilityTimeout: 0,
      }));
      try {
        await options.client.send(
          new ChangeMessageVisibilityBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }),
        );
      } catch (error) {
        // Not given back: they come back after their visibility timeout instead.
        report(error);
      }
    }
  };

  const follow = async () => {
    try {
      desired = Math.max(1, await options.maximumConcurrency());
    } catch (error) {
      report(error);
      return;
    }
    if (!running) return;
    for (const [index, resolve] of idle) {
      if (index < desired) continue;
      idle.delete(index);
      resolve(null);
    }
    if (held.length > desired) {
      const givingBack = giveBack(held.splice(desired));
      background.add(givingBack);
      void givingBack.finally(() => background.delete(givingBack));
    }
    for (let index = 0; index < desired; index++) {
      if (!loops.has(index))
        loops.set(
          index,
          loop(index).finally(() => loops.delete(index)),
        );
    }
    receiverMayReceive();
  };
  const follower = setInterval(() => void follow(), options.followEveryMs ?? 1000);
  const receiver = follow().then(receive);

  return {
    get inFlight() {
      return inFlight;
    },
    get held() {
      return held.length;
    },
    stop: async () => {
      running = false;
      clearInterval(follower);
      aborts.abort();
      receiverMayReceive();
      for (const resolve of idle.values()) resolve(null);
      idle.clear();
      await Promise.allSettled([receiver, ...loops.values()]);
      await Promise.all([giveBack(held.splice(0)), deletions.settled(), ...background]);
    },
  };
}

/**
 * Deletes handled messages in batches: one DeleteMessageBatch in flight at a time, carrying every receipt handle
 * that arrived meanwhile. A delete that fails leaves the message to come back after its visibility timeout, where
 * the worker finds its execution finished and drops it (SQS is at-least-once either way).
 */
function batchedDeletes(client: SQSClient, queueUrl: string, report: (error: unknown) => void) {
  const pending: string[] = [];
  let flushing: Promise<void> | undefined;
  let lingering: (() => void) | undefined;
  const flush = async () => {
    // Handled messages stay invisible meanwhile; a short wait gathers the next invocations' handles into one call.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DELETE_LINGER_MS);
      lingering = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    lingering = undefined;
    while (pending.length) {
      const handles = pending.splice(0, SQS_BATCH_LIMIT);
      try {
        const { Failed } = await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: handles.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })),
          }),
        );
        for (const failure of Failed ?? []) report(new Error(`DeleteMessageBatch: ${failure.Code} ${failure.Message}`));
      } catch (error) {
        report(error);
      }
    }
  };
  return {
    add(handle: string) {
      pending.push(handle);
      flushing ??= flush().finally(() => (flushing = undefined));
    },
    /** Sends what is pending now and resolves once every delete went out. */
    settled: async () => {
      lingering?.();
      while (flushing) await flushing;
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
