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

describe('scheduled app sync infrastructure', () => {
  it('syncs every hour by default, without EventBridge retries that would overlap the next run', () => {
    const fn = synthesized.stack.scheduledSync.sync.function;
    const [, rule] = resourcesOfType(synthesized.resources, 'AWS::Events::Rule').find(
      ([, r]) => r.Properties?.Description === 'Syncs the app catalog of every configured Qlik server',
    )!;
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    const [target] = rule.Properties?.Targets as Array<Record<string, unknown>>;
    expect(flatten(target!.Arn)).toBe(arnOf(fn));
    expect(target!.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
    expect(synthesized.resources[logicalIdOf(fn)]?.Properties).toMatchObject({ Timeout: 900, MemorySize: 1024 });
    // The heap profile that keeps the sync's memory flat (lib/repository/sync-heap.ts).
    expect(
      (synthesized.resources[logicalIdOf(fn)]?.Properties?.Environment as { Variables: Record<string, string> })
        .Variables.NODE_OPTIONS,
    ).toBe('--enable-source-maps --max-semi-space-size=2');
  });

  it('lets the settings API start a run of exactly that function, and tells it the function name', () => {
    const fn = synthesized.stack.scheduledSync.sync.function;
    const api = synthesized.stack.settingsApi;
    expect([...(grantsOf(synthesized.resources, logicalIdOf(api.role)).get('lambda:InvokeFunction') ?? [])]).toEqual([
      arnOf(fn),
    ]);
    const variables = (
      synthesized.resources[logicalIdOf(api.function)]?.Properties?.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(flatten(variables.SCHEDULED_SYNC_FUNCTION_NAME)).toBe(`<${logicalIdOf(fn)}>`);
  });

  it("reads the two servers' secrets and writes only the servers and apps tables", () => {
    const grants = grantsOf(synthesized.resources, logicalIdOf(synthesized.stack.scheduledSync.sync.role));
    const { tables } = synthesized.stack;
    expect([...(grants.get('dynamodb:BatchWriteItem') ?? [])].sort()).toEqual(
      [arnOf(tables.apps), arnOf(tables.servers)].sort(),
    );
    expect(grants.has('secretsmanager:GetSecretValue')).toBe(true);
    expect(grants.has('secretsmanager:PutSecretValue')).toBe(false);
    expect(grants.has('lambda:InvokeFunction')).toBe(false);
  });
});
