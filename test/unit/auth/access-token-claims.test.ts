import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '#functions/access-token-claims/handler.ts';

const event = (userAttributes: Record<string, string>) =>
  ({
    version: '2',
    triggerSource: 'TokenGeneration_HostedAuth',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_Example',
    userName: '7d1f0c2e-admin',
    callerContext: { awsSdkVersion: 'x', clientId: 'client' },
    request: {
      userAttributes,
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      scopes: ['openid', 'email'],
    },
    response: { claimsAndScopeOverrideDetails: null },
  }) as unknown as PreTokenGenerationV2TriggerEvent;

describe('access token claims (pre token generation trigger)', () => {
  it("adds the admin's e-mail to the access token only", async () => {
    const result = await handler(event({ sub: '7d1f0c2e-admin', email: 'ops.admin@example.com' }));
    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { claimsToAddOrOverride: { email: 'ops.admin@example.com' } },
    });
  });

  it('changes nothing for a user without an e-mail', async () => {
    const result = await handler(event({ sub: 'x' }));
    expect(result.response.claimsAndScopeOverrideDetails).toBeNull();
  });
});
