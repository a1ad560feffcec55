import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SynthesizedStack,
  flatten,
  grantsOf,
  logicalIdOf,
  onlyResourceOfType,
  resourcesOfType,
  synthesizeStack,
} from './synthesized-stack.ts';

let synthesized: SynthesizedStack;
beforeAll(() => {
  synthesized = synthesizeStack();
});
afterAll(() => synthesized?.dispose());

const secretArn = (name: string) =>
  `arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:kpimailer/KpimailerQlik/${name}-??????`;
const arnOf = (construct: Parameters<typeof logicalIdOf>[0]) => `<${logicalIdOf(construct)}.Arn>`;

function grants(fn: 'receiver' | 'monitor'): Map<string, string[]> {
  const role = logicalIdOf(synthesized.stack.reloadEvents[fn].role);
  return new Map(
    [...grantsOf(synthesized.resources, role)].map(([action, resources]) => [action, [...resources].sort()]),
  );
}

function environmentOf(construct: Parameters<typeof logicalIdOf>[0]): Record<string, string> {
  const variables = (
    synthesized.resources[logicalIdOf(construct)]?.Properties?.Environment as { Variables: Record<string, unknown> }
  ).Variables;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, flatten(value)]));
}

describe('reload events infrastructure', () => {
  it('serves the webhook receiver through a function URL without AWS auth (the HMAC authenticates)', () => {
    const { resource: url } = onlyResourceOfType(synthesized.resources, 'AWS::Lambda::Url');
    expect(url.Properties?.AuthType).toBe('NONE');
    expect(flatten(url.Properties?.TargetFunctionArn)).toBe(arnOf(synthesized.stack.reloadEvents.receiver.function));
  });

  it('reserves (and caps) the webhook receiver at 10 concurrent executions, so a flood cannot starve the API functions', () => {
    const receiver = synthesized.resources[logicalIdOf(synthesized.stack.reloadEvents.receiver.function)];
    expect(receiver?.Properties?.ReservedConcurrentExecutions).toBe(10);
    // Nothing else reserves any: the admin API keeps the account's unreserved pool.
    const reserving = resourcesOfType(synthesized.resources, 'AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties?.ReservedConcurrentExecutions !== undefined,
    );
    expect(reserving).toHaveLength(1);
  });

  it('runs the reload monitor every minute, without retries that would overlap the next run', () => {
    const [, rule] = resourcesOfType(synthesized.resources, 'AWS::Events::Rule').find(
      ([, r]) => r.Properties?.Description === 'Runs the reload monitor',
    )!;
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const [target] = rule.Properties?.Targets as Array<Record<string, unknown>>;
    expect(flatten(target!.Arn)).toBe(arnOf(synthesized.stack.reloadEvents.monitor.function));
    expect(target!.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
  });

  it('keeps the ledger, history and watermark in a pk/sk table that expires items through expiresAt', () => {
    expect(synthesized.resources[logicalIdOf(synthesized.stack.reloadEvents.table)]?.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(resourcesOfType(synthesized.resources, 'AWS::Events::EventBus')).toHaveLength(1);
  });

  it('lets the receiver read only the webhook secret, and touch the tables only as the pipeline needs', () => {
    // Prepare
    const { tables, reloadEvents } = synthesized.stack;
    const actual = grants('receiver');

    // Assess
    const storage = [...actual].filter(([action]) => /^(secretsmanager|dynamodb|events):/.test(action));
    expect(Object.fromEntries(storage)).toEqual({
      'secretsmanager:GetSecretValue': [secretArn('cloud-webhook')],
      'secretsmanager:DescribeSecret': [secretArn('cloud-webhook')],
      'dynamodb:GetItem': [arnOf(tables.apps), arnOf(reloadEvents.table), arnOf(tables.servers)].sort(),
      'dynamodb:UpdateItem': [arnOf(tables.apps), arnOf(reloadEvents.table)].sort(),
      'dynamodb:PutItem': [arnOf(reloadEvents.table)],
      'dynamodb:DeleteItem': [arnOf(reloadEvents.table)],
      'events:PutEvents': [arnOf(reloadEvents.bus)],
    });
    expect(actual.get('kms:Decrypt')).toEqual([arnOf(synthesized.stack.secrets.key)]);
    expect(actual.has('kms:Encrypt')).toBe(false);
  });

  it('lets the monitor read the credentials and re-key only the webhook secret', () => {
    const actual = grants('monitor');
    expect(actual.get('secretsmanager:GetSecretValue')).toEqual(
      ['cloud', 'cloud-webhook', 'onprem'].map(secretArn).sort(),
    );
    expect(
      actual.has('secretsmanager:PutSecretValue') &&
        actual.get('secretsmanager:PutSecretValue')!.includes(secretArn('fingerprint-key')),
    ).toBe(false);
    expect(actual.get('secretsmanager:PutSecretValue')).toEqual([secretArn('cloud-webhook')]);
    expect(actual.has('secretsmanager:DeleteSecret')).toBe(false);
    expect(actual.get('events:PutEvents')).toEqual([arnOf(synthesized.stack.reloadEvents.bus)]);
  });

  it('tells the connection test and the monitor the public webhook URL, and the settings API where the history is', () => {
    const { reloadEvents, testConnection, settingsApi } = synthesized.stack;
    const webhookUrl = `<${logicalIdOf(reloadEvents.functionUrl)}.FunctionUrl>webhooks/qlik-cloud`;
    expect(environmentOf(testConnection.function).WEBHOOK_PUBLIC_URL).toBe(webhookUrl);
    expect(environmentOf(reloadEvents.monitor.function).WEBHOOK_PUBLIC_URL).toBe(webhookUrl);
    expect(environmentOf(settingsApi.function).RELOAD_EVENTS_TABLE_NAME).toBe(`<${logicalIdOf(reloadEvents.table)}>`);
    expect(environmentOf(reloadEvents.receiver.function)).toMatchObject({
      RELOAD_EVENTS_TABLE_NAME: `<${logicalIdOf(reloadEvents.table)}>`,
      RELOAD_EVENT_BUS_NAME: `<${logicalIdOf(reloadEvents.bus)}>`,
    });
    // The receiver never creates a secret, so it is not told which key encrypts them.
    expect(environmentOf(reloadEvents.receiver.function).SECRETS_KMS_KEY_ID).toBeUndefined();
  });
});
