/**
 * Cognito's pre token generation (V2) trigger: adds the admin's `email` to the access token. API Gateway hands a
 * function the access token's claims only, and a Cognito access token names the user by `username`, which in a pool
 * that signs in by e-mail is an opaque id; with `email` in it the audit trail can say who changed something.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';

export function withEmailInAccessToken(event: PreTokenGenerationV2TriggerEvent): PreTokenGenerationV2TriggerEvent {
  const email = event.request.userAttributes['email'];
  if (!email) return event;
  event.response = {
    ...event.response,
    claimsAndScopeOverrideDetails: {
      ...event.response?.claimsAndScopeOverrideDetails,
      accessTokenGeneration: {
        ...event.response?.claimsAndScopeOverrideDetails?.accessTokenGeneration,
        claimsToAddOrOverride: {
          ...event.response?.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride,
          email,
        },
      },
    },
  };
  return event;
}
