/**
 * Middy middleware shared by the HTTP functions: a byte limit on the body (checked before anything reads it), JSON
 * parsing that answers a clear 400, and the problem+json error mapping.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '#lib/errors.ts';
import { problemFor, type HttpResult } from '#lib/api/problem.ts';

export const MAX_BODY_BYTES = 256 * 1024;

/** The event after `jsonBody`: `parsedBody` holds the JSON, `body` is left untouched. */
export type JsonEvent = APIGatewayProxyEventV2 & { parsedBody?: unknown };

export function jsonBody(options: { maxBytes?: number } = {}): middy.MiddlewareObj<JsonEvent, HttpResult> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  return {
    before: ({ event }) => {
      if (event.body === undefined || event.body === null || event.body === '') return;
      const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
      if (raw.byteLength > maxBytes) {
        throw new PayloadTooLargeError(
          `The request body is ${Math.ceil(raw.byteLength / 1024)} KiB; the limit is ${maxBytes / 1024} KiB.`,
        );
      }
      const contentType = (event.headers?.['content-type'] ?? '').toLowerCase();
      if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/.test(contentType)) {
        throw new UnsupportedMediaTypeError('Send the body as JSON with Content-Type: application/json.');
      }
      try {
        event.parsedBody = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ValidationError([{ field: '', message: 'The request body is not valid JSON.' }]);
      }
    },
  };
}

export function problemErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    onError: (request) => {
      request.response = problemFor(request.error);
    },
  };
}
