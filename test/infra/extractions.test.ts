import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SynthesizedStack,
  flatten,
  grantsOf,
  logicalIdOf,
  resourcesOfType,
  synthesizeStack,
} from './synthesized-stack.ts';

let synthesized: SynthesizedStack;
beforeAll(() => {
  synthesized = synthesizeStack();
});
afterAll(() => synthesized?.dispose());

const arnOf = (construct: Parameters<typeof logicalIdOf>[0]) => `<${logicalIdOf(construct)}.Arn>`;
const extractions = () => synthesized.stack.extractions;

describe('extraction infrastructure', () => {
  it('gives each server an encrypted queue with a dead-letter queue and a visibility timeout of 6x the worker timeout', () => {
    const worker = synthesized.resources[logicalIdOf(extractions().worker.function)]!;
    const workerTimeout = worker.Properties?.Timeout as number;
    for (const serverId of ['onprem', 'cloud'] as const) {
      const queue = synthesized.resources[logicalIdOf(extractions().queues[serverId])]!;
      const dlq = synthesized.resources[logicalIdOf(extractions().deadLetterQueues[serverId])]!;
      expect(queue.Properties, serverId).toMatchObject({ SqsManagedSseEnabled: true });
      expect(queue.Properties?.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * workerTimeout);
      const redrive = queue.Properties?.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
      expect(flatten(redrive.deadLetterTargetArn)).toBe(arnOf(extractions().deadLetterQueues[serverId]));
      // No-slot returns count as receives; real failures are dead-lettered by the worker after 3 attempts.
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(100);
      expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    }
  });

  it('refuses every queue request that is not TLS', () => {
    const policies = resourcesOfType(synthesized.resources, 'AWS::SQS::QueuePolicy');
    const queues = [...Object.values(extractions().queues), ...Object.values(extractions().deadLetterQueues)].map(
      (q) => `<${logicalIdOf(q)}>`,
    );
    for (const queue of queues) {
      const policy = policies.find(([, p]) => (p.Properties?.Queues as unknown[]).some((q) => flatten(q) === queue));
      expect(policy, queue).toBeDefined();
      expect(JSON.stringify(policy![1].Properties?.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('maps each queue to the worker with batch size 1, partial batch responses and MaximumConcurrency max(2, N)', () => {
    const mappings = resourcesOfType(synthesized.resources, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(2);
    for (const [id, mapping] of mappings) {
      expect(flatten(mapping.Properties?.FunctionName), id).toBe(`<${logicalIdOf(extractions().worker.function)}>`);
      expect(mapping.Properties, id).toMatchObject({
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 4 },
      });
    }
    const sources = mappings.map(([, m]) => flatten(m.Properties?.EventSourceArn)).sort();
    expect(sources).toEqual(Object.values(extractions().queues).map(arnOf).sort());
  });

  it('keeps results in a private, encrypted, TLS-only bucket that expires them after 7 days', () => {
    const bucket = synthesized.resources[logicalIdOf(extractions().bucket)]!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 7, Status: 'Enabled' }] },
    });
    const [, policy] = resourcesOfType(synthesized.resources, 'AWS::S3::BucketPolicy').find(
      ([, p]) => flatten(p.Properties?.Bucket) === `<${logicalIdOf(extractions().bucket)}>`,
    )!;
    expect(JSON.stringify(policy.Properties?.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('alarms on dead-letter depth and on the age of the oldest message, per server', () => {
    const alarms = resourcesOfType(synthesized.resources, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties?.Namespace === 'AWS/SQS',
    );
    const byMetric = (name: string) => alarms.filter(([, a]) => a.Properties?.MetricName === name);
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(2);
    expect(byMetric('ApproximateAgeOfOldestMessage')).toHaveLength(2);
    for (const [, alarm] of byMetric('ApproximateNumberOfMessagesVisible'))
      expect(alarm.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(extractions().alarms).toHaveLength(4);
  });

  it('lets the settings API update exactly the two mappings, send to the queues and read results', () => {
    const grants = grantsOf(synthesized.resources, logicalIdOf(synthesized.stack.settingsApi.role));
    const mappingArns = resourcesOfType(synthesized.resources, 'AWS::Lambda::EventSourceMapping').map(([id]) => id);
    const updatable = [...(grants.get('lambda:UpdateEventSourceMapping') ?? [])];
    expect(updatable).toHaveLength(2);
    for (const id of mappingArns)
      expect(
        updatable.some((arn) => arn.includes(`<${id}>`)),
        id,
      ).toBe(true);
    expect([...(grants.get('sqs:SendMessage') ?? [])].sort()).toEqual(
      Object.values(extractions().queues).map(arnOf).sort(),
    );
    expect([...(grants.get('s3:GetObject') ?? [])]).toEqual([`${arnOf(extractions().bucket)}/results/*`]);
    expect(grants.has('s3:PutObject')).toBe(false);
    expect(
      [...grants.keys()].filter(
        (action) =>
          action.startsWith('lambda:') &&
          action !== 'lambda:InvokeFunction' &&
          action !== 'lambda:UpdateEventSourceMapping',
      ),
    ).toEqual([]);
  });

  it('lets the worker consume its queues, dead-letter, write results and read the credentials, and nothing of Lambda', () => {
    const grants = grantsOf(synthesized.resources, logicalIdOf(extractions().worker.role));
    expect([...(grants.get('sqs:SendMessage') ?? [])].sort()).toEqual(
      Object.values(extractions().deadLetterQueues).map(arnOf).sort(),
    );
    expect([...(grants.get('sqs:ChangeMessageVisibility') ?? [])].sort()).toEqual(
      Object.values(extractions().queues).map(arnOf).sort(),
    );
    expect([...(grants.get('s3:PutObject') ?? [])]).toEqual([`${arnOf(extractions().bucket)}/results/*`]);
    expect(grants.has('s3:GetObject')).toBe(false);
    expect([...(grants.get('dynamodb:UpdateItem') ?? [])]).toContain(arnOf(extractions().table));
    expect([...(grants.get('dynamodb:DeleteItem') ?? [])]).not.toContain(arnOf(extractions().table));
    expect(grants.has('secretsmanager:GetSecretValue')).toBe(true);
    expect(grants.has('secretsmanager:PutSecretValue')).toBe(false);
    expect([...grants.keys()].filter((action) => action.startsWith('lambda:'))).toEqual([]);
  });
});
