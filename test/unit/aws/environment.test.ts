import { describe, expect, it } from 'vitest';
import { requiredEnv, serviceEnvironment } from '#lib/aws/environment.ts';

describe('the functions’ environment (lib/aws/environment.ts)', () => {
  it('parses the variables the stack sets, with their defaults and formats', () => {
    const environment = serviceEnvironment({
      SERVERS_TABLE_NAME: 'servers',
      RELOAD_POLL_OVERLAP_SECONDS: '90',
      SECRETS_KMS_KEY_ID: '',
    });

    expect(environment).toMatchObject({
      SERVERS_TABLE_NAME: 'servers',
      RELOAD_POLL_OVERLAP_SECONDS: 90,
      RELOAD_PUBLISHER: 'eventbridge',
    });
    // An empty variable is an unset one.
    expect(environment.SECRETS_KMS_KEY_ID).toBeUndefined();
  });

  it('names the missing variable a caller needs', () => {
    const environment = serviceEnvironment({ SERVERS_TABLE_NAME: 'servers' });

    expect(requiredEnv('SERVERS_TABLE_NAME', environment)).toBe('servers');
    expect(() => requiredEnv('APPS_TABLE_NAME', environment)).toThrow(
      'Environment variable APPS_TABLE_NAME is not set.',
    );
  });

  it('names each malformed variable at parse time', () => {
    expect(() => serviceEnvironment({ RELOAD_PUBLISHER: 'sns', WEBHOOK_PUBLIC_URL: 'not a url' })).toThrow(
      /RELOAD_PUBLISHER .*WEBHOOK_PUBLIC_URL/,
    );
  });
});
