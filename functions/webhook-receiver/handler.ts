/**
 * webhook-receiver: Qlik Cloud's reload events through a Lambda function URL (auth NONE; the Qlik-Signature HMAC is
 * the authentication). No middy here on purpose: the signature must be checked on the raw body before any body
 * parser runs, and every module on this path adds to the cold start Qlik waits through.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { problem } from '#lib/api/problem.ts';
import { logger } from '#lib/observability/logger.ts';
import { webhookReceiverFromEnv } from '#lib/reloads/webhook-receiver-from-env.ts';

let receiver: ReturnType<typeof webhookReceiverFromEnv> | undefined;

export const handler = async (
  event: APIGatewayProxyEventV2,
  context?: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  // What middy's injectLambdaContext would do: every log line of this delivery carries the request id.
  if (context) logger.addContext(context);
  try {
    receiver ??= webhookReceiverFromEnv();
    return await receiver(event);
  } catch (error) {
    // A 5xx makes Qlik retry the delivery; the ledger claim was released, so the retry starts over.
    logger.error('Webhook delivery failed', { error });
    return problem(500, 'Internal error', 'The event could not be processed; Qlik Cloud will retry it.');
  }
};
