import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flatten, resourcesOfType, synthesizeStack, type SynthesizedStack } from './synthesized-stack.ts';

function environments(synthesized: SynthesizedStack): Array<[string, Record<string, string>]> {
  return resourcesOfType(synthesized.resources, 'AWS::Lambda::Function').map(([id, fn]) => {
    const variables = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    return [id, Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, flatten(value)]))];
  });
}

describe('destination policy settings in the stack', () => {
  let plain: SynthesizedStack;
  let listed: SynthesizedStack;
  beforeAll(() => {
    plain = synthesizeStack();
    listed = synthesizeStack({ qlikCloudHosts: 'Analytics.Example.com, .qlik.example.net' });
  });
  afterAll(() => {
    plain?.dispose();
    listed?.dispose();
  });

  it('never lets a function through to loopback Qlik servers', () => {
    for (const [id, environment] of [...environments(plain), ...environments(listed)]) {
      expect(environment, id).not.toHaveProperty('KPIMAILER_ALLOW_LOOPBACK_QLIK');
    }
  });

  it('hands the qlikCloudHosts context to every function as KPIMAILER_QLIK_CLOUD_HOSTS, and nothing without it', () => {
    for (const [id, environment] of environments(listed)) {
      expect(environment.KPIMAILER_QLIK_CLOUD_HOSTS, id).toBe('analytics.example.com,.qlik.example.net');
    }
    for (const [id, environment] of environments(plain))
      expect(environment, id).not.toHaveProperty('KPIMAILER_QLIK_CLOUD_HOSTS');
  });

  it('refuses a qlikCloudHosts entry that is not a host suffix (a bare top-level domain would admit every host under it)', () => {
    expect(() => synthesizeStack({ qlikCloudHosts: 'qlik.example.com,.com' })).toThrow(
      /qlikCloudHosts: \.com is not a host name suffix/,
    );
  });
});
