import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStack } from '../../infra/app.ts';
import { ALARMED_METRICS, METRIC_NAMESPACE } from '#lib/reloads/metrics.ts';
import {
  CDK_JSON_CONTEXT,
  SKIP_BUNDLING,
  flatten,
  logicalIdOf,
  onlyResourceOfType,
  resourcesOfType,
  synthesizeStack,
  type SynthesizedStack,
} from './synthesized-stack.ts';

let synthesized: SynthesizedStack;
beforeAll(() => {
  synthesized = synthesizeStack();
});
afterAll(() => synthesized?.dispose());

const alarms = () =>
  resourcesOfType(synthesized.resources, 'AWS::CloudWatch::Alarm').map(
    ([, alarm]) => alarm.Properties as Record<string, unknown>,
  );

describe('operator alarms', () => {
  it('sends every alarm, and its recovery, to one encrypted topic', () => {
    const { id: topicId, resource: topic } = onlyResourceOfType(synthesized.resources, 'AWS::SNS::Topic');
    expect(topic.Properties?.KmsMasterKeyId).toBeDefined();
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect((alarm.AlarmActions as unknown[]).map(flatten)).toEqual([`<${topicId}>`]);
      expect((alarm.OKActions as unknown[]).map(flatten)).toEqual([`<${topicId}>`]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
  });

  it('has an alarm for each failure class the service counts', () => {
    const watched = alarms()
      .filter((a) => a.Namespace === METRIC_NAMESPACE)
      .map((a) => a.MetricName);

    expect(watched.sort()).toEqual(Object.values(ALARMED_METRICS).sort());
  });

  it("alarms on every function's errors and throttles", () => {
    const functions = resourcesOfType(synthesized.resources, 'AWS::Lambda::Function')
      .map(([id]) => id)
      .filter((id) => !/LogRetention|CustomResource|AwsCliLayer/.test(id));
    for (const metricName of ['Errors', 'Throttles']) {
      const watched = alarms()
        .filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === metricName)
        .map((a) => flatten((a.Dimensions as Array<{ Value: unknown }>)[0]!.Value));
      expect(watched.sort()).toEqual(functions.map((id) => `<${id}>`).sort());
    }
  });

  it('mails the topic when an address is given in context, and lets other parts add alarms to it (the extraction queues will)', () => {
    expect(resourcesOfType(synthesized.resources, 'AWS::SNS::Subscription')).toEqual([]);
    const stack = buildStack(
      new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, alarmEmail: 'ops@example.com' } }),
    );

    const alarm = stack.alarms.alarmOn(
      'DlqDepth',
      new Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible' }),
      { description: 'messages in the DLQ' },
    );

    const resources = Template.fromStack(stack).toJSON().Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const subscriptions = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::Subscription');
    expect(subscriptions.map((s) => s.Properties)).toEqual([
      expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@example.com' }),
    ]);
    expect((resources[logicalIdOf(alarm)]!.Properties.AlarmActions as unknown[]).map(flatten)).toEqual([
      `<${logicalIdOf(stack.alarms.topic)}>`,
    ]);
  }, 120_000);

  it('never retries the scheduled functions asynchronously: the next run is the retry', () => {
    const configs = resourcesOfType(synthesized.resources, 'AWS::Lambda::EventInvokeConfig').map(
      ([, c]) => c.Properties as Record<string, unknown>,
    );
    const byFunction = new Map(configs.map((c) => [flatten(c.FunctionName), c]));
    expect(byFunction.get(`<${logicalIdOf(synthesized.stack.reloadEvents.monitor.function)}>`)).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    expect(byFunction.get(`<${logicalIdOf(synthesized.stack.scheduledSync.sync.function)}>`)).toMatchObject({
      MaximumRetryAttempts: 0,
    });
  });
});
