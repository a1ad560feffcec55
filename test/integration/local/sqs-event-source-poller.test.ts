/**
 * The local event source mapping against the embedded SQS (fauxqs on loopback): it receives ahead of the invocations
 * (at most one message held per invocation allowed), never runs more invocations than the concurrency in force, hands
 * every message to exactly one invocation, deletes what the handler did not list as failed (after the invocation, in
 * batches) and gives the messages it holds back to the queue when the concurrency drops and when it stops.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSqs, type LocalSqs } from '#lib/local/local-sqs.ts';
import { startSqsEventSourcePoller, type Poller, type SqsHandler } from '#lib/local/sqs-event-source-poller.ts';

let sqs: LocalSqs;
let client: SQSClient;
let poller: Poller | undefined;
let queues = 0;

beforeAll(async () => {
  sqs = await startLocalSqs();
  client = new SQSClient({
    endpoint: sqs.endpoint,
    useQueueUrlAsEndpoint: false,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});
afterAll(async () => {
  client.destroy();
  await sqs.close();
});

async function queueWith(bodies: string[], visibilityTimeoutSeconds = 60): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: `poller-test-${++queues}`,
      Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) },
    }),
  );
  for (let i = 0; i < bodies.length; i += 10)
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })),
      }),
    );
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function counts(url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes!.ApproximateNumberOfMessages),
    inFlight: Number(Attributes!.ApproximateNumberOfMessagesNotVisible),
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function start(queue: { url: string; arn: string }, handler: SqsHandler, concurrency: () => number): Poller {
  return startSqsEventSourcePoller({
    client,
    queueUrl: queue.url,
    queueArn: queue.arn,
    functionName: 'poller-test',
    handler: async () => handler,
    maximumConcurrency: async () => concurrency(),
    timeoutMs: 30_000,
    followEveryMs: 50,
    onError: (error) => {
      throw error;
    },
  });
}

const bodies = (count: number, prefix = 'm') => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('local SQS event source mapping', () => {
  it('hands every message to exactly one invocation, within the concurrency, holding at most one per invocation', async () => {
    // Prepare
    const queue = await queueWith(bodies(60));
    const handled: string[] = [];
    let running = 0;
    let peak = 0;
    let peakHeld = 0;
    const handler: SqsHandler = async (event: SQSEvent) => {
      running++;
      peak = Math.max(peak, running);
      peakHeld = Math.max(peakHeld, poller!.held);
      expect(event.Records).toHaveLength(1);
      handled.push(event.Records[0]!.body);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
      return { batchItemFailures: [] };
    };

    // Act
    poller = start(queue, handler, () => 3);
    await until(() => handled.length === 60, 'every message handled');
    await poller.stop();

    // Assess
    expect([...handled].sort()).toEqual(bodies(60).sort());
    expect(peak).toBe(3);
    expect(peakHeld).toBeLessThanOrEqual(3);
    expect(await counts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  }, 90_000);

  it('deletes what the handler did not list as failed and leaves the failed ones to come back', async () => {
    // Prepare
    const queue = await queueWith([...bodies(5, 'keep'), ...bodies(5, 'done')], 1);
    const seen = new Map<string, number>();
    const handler: SqsHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const record = event.Records[0]!;
      seen.set(record.body, (seen.get(record.body) ?? 0) + 1);
      return { batchItemFailures: record.body.startsWith('keep') ? [{ itemIdentifier: record.messageId }] : [] };
    };

    // Act
    poller = start(queue, handler, () => 2);
    await until(
      () => bodies(5, 'keep').every((body) => (seen.get(body) ?? 0) >= 2),
      'the failed messages delivered again',
    );
    await poller.stop();

    // Assess: the deleted ones never came back; the failed ones are still in the queue.
    expect(bodies(5, 'done').map((body) => seen.get(body))).toEqual([1, 1, 1, 1, 1]);
    const left = await counts(queue.url);
    expect(left.visible + left.inFlight).toBe(5);
  }, 90_000);

  it('gives the messages it holds back to the queue when it stops', async () => {
    // Prepare: two invocations that wait until told, so the poller holds two more messages meanwhile.
    const queue = await queueWith(bodies(10));
    const waiting: Array<() => void> = [];
    const handler: SqsHandler = async () => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return { batchItemFailures: [] };
    };
    poller = start(queue, handler, () => 2);
    const current = poller;
    await until(() => waiting.length === 2 && current.held === 2, 'two invocations running and two messages held');

    // Act
    const stopped = poller.stop();
    for (const resolve of waiting) resolve();
    await stopped;
    poller = undefined;

    // Assess: the two handled ones are deleted; the held two are visible at once (not after 60 s).
    expect(await counts(queue.url)).toEqual({ visible: 8, inFlight: 0 });
    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(8);
  }, 90_000);

  it('follows a lowered concurrency: the surplus held messages go back, then one invocation at a time', async () => {
    // Prepare: four invocations that wait until told, four messages held.
    const queue = await queueWith(bodies(40));
    let concurrency = 4;
    let blocking = true;
    const handled: string[] = [];
    const blocked: Array<() => void> = [];
    let running = 0;
    let originalsFinished = 0;
    let peakAfterwards = 0;
    const handler: SqsHandler = async (event: SQSEvent) => {
      const original = blocking;
      running++;
      if (originalsFinished === 4) peakAfterwards = Math.max(peakAfterwards, running);
      handled.push(event.Records[0]!.body);
      if (original) await new Promise<void>((resolve) => blocked.push(resolve));
      else await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (original) originalsFinished++;
      return { batchItemFailures: [] };
    };
    poller = start(queue, handler, () => concurrency);
    const current = poller;
    await until(() => blocked.length === 4 && current.held === 4, 'four invocations running and four messages held');

    // Act: lowered to 1 while four run (they finish: lowering aborts nothing).
    concurrency = 1;
    await until(() => current.held <= 1, 'the surplus held messages given back');
    blocking = false;
    for (const resolve of blocked) resolve();
    await until(() => handled.length === 40 && running === 0, 'every message handled');

    // Assess
    expect(originalsFinished).toBe(4);
    expect([...handled].sort()).toEqual(bodies(40).sort());
    expect(peakAfterwards).toBe(1);
  }, 90_000);
});
