/**
 * Extractions that go wrong: a worker that dies mid-extraction (its slot expires, the message comes back, the
 * extraction completes once), a poison extraction (dead-letter queue with its error, execution `failed`), a Qlik
 * refusal no retry can fix, and the same executionId submitted twice.
 */
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '#lib/executions/execution-types.ts';
import { startExecutions, type ExecutionHarness } from './execution-harness.ts';

let harness: ExecutionHarness;
/** Extractions of this app "crash" their first attempt after Qlik started the report: the worker never answers. */
const CRASHING_APP = 'crashing-app';
let crashed = 0;

beforeAll(async () => {
  harness = await startExecutions({
    limit: 2,
    processingMs: 200,
    // A crashed attempt's slot expires after 5 + 3 s; its message is back after 12 s.
    timeoutSeconds: 5,
    slotMarginSeconds: 3,
    visibilityTimeoutSeconds: 12,
    wrapExtractors: (real) => (server) => ({
      extract: async (execution: ExecutionRecord, signal: AbortSignal) => {
        const extractor = await real(server);
        if (execution.appId === CRASHING_APP && execution.attempts === 1) {
          crashed++;
          void extractor.extract(execution, signal).catch(() => undefined);
          return new Promise(() => undefined);
        }
        return extractor.extract(execution, signal);
      },
    }),
  });
});
afterAll(async () => harness?.close());

describe('extraction failures', () => {
  it('retries an extraction whose worker died mid-way and completes it once', async () => {
    // Act
    const id = await harness.submit({ appId: CRASHING_APP, kind: 'image', objectId: 'chart-1' });
    const [done] = await harness.settled([id], { timeoutMs: 60_000 });

    // Assess
    expect(crashed).toBe(1);
    expect(done).toMatchObject({ status: 'succeeded', result: { contentType: 'image/png' } });
    expect(done!.attempts).toBeGreaterThanOrEqual(2);
    // Every attempt reached Qlik once; the crashed one never recorded anything.
    expect(harness.reports.created.filter((app) => app === CRASHING_APP)).toHaveLength(done!.attempts as number);
    expect(harness.reports.peakInFlight).toBeLessThanOrEqual(2);
    const result = await harness.call('GET', `/api/executions/${id}/result`);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('image/png');
  }, 90_000);

  it('moves a poison extraction to the dead-letter queue with its error and shows it failed', async () => {
    // Prepare
    harness.reports.brokenApps.add('broken-app');

    // Act
    const id = await harness.submit({ appId: 'broken-app', kind: 'pdf', sheetId: 'sheet-1' });
    const [done] = await harness.settled([id], { timeoutMs: 60_000 });
    const deadLetters = await harness.deadLetters();

    // Assess
    expect(done).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'REP-500000' }, result: null });
    expect(deadLetters).toHaveLength(1);
    expect(JSON.parse(deadLetters[0]!.body)).toEqual({ executionId: id, serverId: 'cloud' });
    expect(deadLetters[0]!.attributes.errorCode).toBe('REP-500000');
    expect((await harness.call('GET', `/api/executions/${id}/result`)).status).toBe(409);
  }, 90_000);

  it('fails at once, without retrying, when Qlik refuses the app to the bot user', async () => {
    // Prepare
    harness.reports.failures.set('private-app', { code: 'REP-403001', title: 'App forbidden' });

    // Act
    const id = await harness.submit({
      appId: 'private-app',
      kind: 'data',
      objectId: 'table-1',
      selections: [{ field: 'Region', values: ['North'] }],
    });
    const [done] = await harness.settled([id], { timeoutMs: 60_000 });

    // Assess
    expect(done).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'REP-403001' } });
    expect((done!.error as { message: string }).message).toMatch(/add the bot user to the app's space/i);
  }, 90_000);

  it('runs an executionId submitted twice only once', async () => {
    // Prepare
    const executionId = randomUUID();
    const body = { executionId, appId: 'sales-app', kind: 'data', objectId: 'kpi-table' };
    const before = harness.reports.created.filter((app) => app === 'sales-app').length;

    // Act
    const first = await harness.call('POST', '/api/servers/cloud/executions', { body });
    const second = await harness.call('POST', '/api/servers/cloud/executions', { body });
    await harness.settled([executionId], { timeoutMs: 60_000 });
    const third = await harness.call('POST', '/api/servers/cloud/executions', { body });

    // Assess
    expect(first.status).toBe(202);
    expect(first.json()).toEqual({ executionId, status: 'queued' });
    expect([200, 202]).toContain(second.status);
    expect(second.json().executionId).toBe(executionId);
    expect(third.json()).toEqual({ executionId, status: 'succeeded' });
    expect(harness.reports.created.filter((app) => app === 'sales-app').length - before).toBe(1);
  }, 90_000);
  it('drops a redelivered message of a finished extraction without running it again or holding a slot', async () => {
    // Prepare: one extraction run to the end.
    const id = await harness.submit({ appId: 'redelivered-app', kind: 'data', objectId: 'table-1' });
    const [done] = await harness.settled([id], { timeoutMs: 60_000 });
    const sqs = new SQSClient({
      endpoint: harness.extractions.env.AWS_ENDPOINT_URL_SQS,
      useQueueUrlAsEndpoint: false,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const queueUrl = JSON.parse(harness.extractions.env.EXTRACTION_QUEUE_URLS!).cloud as string;

    // Act: SQS delivers its message once more (at-least-once).
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ executionId: id, serverId: 'cloud' }),
      }),
    );
    const giveUpAt = Date.now() + 60_000;
    for (;;) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      if (Attributes!.ApproximateNumberOfMessages === '0' && Attributes!.ApproximateNumberOfMessagesNotVisible === '0')
        break;
      if (Date.now() > giveUpAt) throw new Error('the redelivered message was not consumed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    sqs.destroy();

    // Assess
    expect(harness.reports.created.filter((app) => app === 'redelivered-app')).toHaveLength(1);
    expect(await harness.execution(id)).toEqual(done);
    expect((await harness.call('GET', '/api/servers/cloud')).json().executions).toMatchObject({ running: 0 });
  }, 90_000);
});

describe('extraction routes', () => {
  it('answers 404 for an unknown execution, 400 naming bad fields, 422 for an on-premise image', async () => {
    expect((await harness.call('GET', `/api/executions/${randomUUID()}`)).status).toBe(404);
    const bad = await harness.call('POST', '/api/servers/cloud/executions', {
      body: { appId: 'a', kind: 'movie', executionId: 'nope' },
    });
    expect(bad.status).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['executionId', 'kind']);
    // The on-premise server is not configured here: 409 comes first.
    expect(
      (
        await harness.call('POST', '/api/servers/onprem/executions', {
          body: { appId: 'a', kind: 'image', objectId: 'o' },
        })
      ).status,
    ).toBe(409);
  });

  it('shows the live counts on the server view', async () => {
    const view = (await harness.call('GET', '/api/servers/cloud')).json();
    expect(view.executions).toEqual({ limit: 2, appliedAt: expect.any(String), running: 0, queued: 0 });
  });
});
