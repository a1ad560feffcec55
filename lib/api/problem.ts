/**
 * The one error-to-response mapping of the HTTP API: RFC 9457 problem details. Unknown errors answer a generic 500
 * whose detail never echoes the error (it could carry a Qlik response or a secret); the log has the full story.
 */
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  UpstreamError,
  ValidationError,
  type FieldError,
} from '#lib/errors.ts';
import { logger } from '#lib/observability/logger.ts';

export type HttpResult = APIGatewayProxyResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

const SECURITY_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export function json(statusCode: number, body: unknown): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS },
    body: JSON.stringify(body),
  };
}

export function noContent(): HttpResult {
  return { statusCode: 204, headers: { ...SECURITY_HEADERS }, body: '' };
}

export function problem(statusCode: number, title: string, detail: string, errors?: FieldError[]): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', ...SECURITY_HEADERS },
    body: JSON.stringify({ type: 'about:blank', title, status: statusCode, detail, ...(errors ? { errors } : {}) }),
  };
}

/** What a client waits before trying again after DynamoDB or Secrets Manager throttled us (the SDK already retried 3 times). */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * An AWS SDK error (it carries `$metadata`) that says "slow down" or "not now": throttling (DynamoDB's
 * ProvisionedThroughputExceeded / RequestLimitExceeded, Secrets Manager's ThrottlingException, any 429) or a
 * transient failure (timeouts, 5xx). Classified by the SDK's own rules, the ones its retry strategy uses.
 */
export function isAwsBusy(error: unknown): boolean {
  if (!error || typeof error !== 'object' || !('$metadata' in error)) return false;
  const sdkError = error as Parameters<typeof isThrottlingError>[0];
  return isThrottlingError(sdkError) || isTransientError(sdkError);
}

export function problemFor(error: unknown): HttpResult {
  if (error instanceof ValidationError) {
    return problem(400, 'Invalid settings', 'Some fields need attention.', error.errors);
  }
  if (error instanceof NotFoundError) return problem(404, 'Not found', error.message);
  if (error instanceof ConflictError) return problem(409, 'Conflict', error.message);
  if (error instanceof UnprocessableError) return problem(422, 'Unprocessable', error.message);
  if (error instanceof UpstreamError) return problem(502, 'Qlik did not complete the request', error.message);
  if (error instanceof PayloadTooLargeError) return problem(413, 'Payload too large', error.message);
  if (error instanceof UnsupportedMediaTypeError) {
    return problem(400, 'Unsupported content type', error.message, [{ field: 'Content-Type', message: error.message }]);
  }
  if (isAwsBusy(error)) {
    logger.warn('AWS throttled or timed out after the SDK retries; answering 503', { error });
    const busy = problem(503, 'Service busy', 'The service is busy right now. Try again in a few seconds.');
    busy.headers['retry-after'] = String(BUSY_RETRY_AFTER_SECONDS);
    return busy;
  }
  logger.error('Unhandled error', { error });
  return problem(
    500,
    'Internal error',
    'Something went wrong on our side. Try again; if it persists, check the service logs.',
  );
}
