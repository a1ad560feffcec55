/** access-token-claims: Cognito's pre token generation trigger (V2); see lib/auth/access-token-claims.ts. */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { withEmailInAccessToken } from '#lib/auth/access-token-claims.ts';

export const handler = async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> =>
  withEmailInAccessToken(event);
