/**
 * Errors that cross module boundaries. Each carries what an admin (or the next engineer reading a log) needs,
 * and never a secret: messages are built from names and statuses, not from request bodies.
 */
export interface FieldError {
  field: string;
  message: string;
}

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly errors: FieldError[],
    options?: { cause?: unknown },
  ) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '), options);
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** An optimistic-concurrency or state conflict: the caller should re-read and retry, or wait. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** A well-formed request the service cannot carry out (yet), e.g. an extraction kind a server type cannot do. */
export class UnprocessableError extends Error {
  override readonly name: string = 'UnprocessableError';
}

/** Qlik (or another server the service works with) failed a step the request needs; the message says what to do. */
export class UpstreamError extends Error {
  override readonly name: string = 'UpstreamError';
}

export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}

/** Narrows an unknown catch value without `any`. */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
