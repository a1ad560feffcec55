/**
 * The cold-start baseline of the webhook benchmark: the least a real receiver must do, bundled with the same esbuild
 * settings as the deployed functions. It reads the signing secret from Secrets Manager (once per container, as the
 * real one does; a secret in an environment variable would be readable by anyone who can read the function's
 * configuration), checks `Qlik-Signature` and answers. It stores, parses and publishes nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

let secret: Promise<string> | undefined;

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  // Built on the first request, as the real receiver builds its clients, so both imports measure loading code only.
  secret ??= new SecretsManagerClient({})
    .send(new GetSecretValueCommand({ SecretId: `${process.env.SECRET_NAME_PREFIX}/cloud-webhook` }))
    .then((out) => (JSON.parse(out.SecretString ?? '{}') as { secret: string }).secret);
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const presented = event.headers?.['qlik-signature'] ?? '';
  const expected = createHmac('sha256', await secret)
    .update(body)
    .digest();
  const ok = /^[0-9a-fA-F]{64}$/.test(presented) && timingSafeEqual(Buffer.from(presented, 'hex'), expected);
  return { statusCode: ok ? 202 : 401, body: '' };
};
