/**
 * Typed errors of the Qlik Cloud client. They carry what a log line or an admin message needs (method, path,
 * status, Qlik's `errors[].code/title/detail` and `traceId`) and never a request body, so no secret can leak
 * through them. Turning them into sentences for an admin is `permission-errors.ts`'s job.
 */
import type { QlikCloudOperation } from '#lib/qlik/cloud/permission-errors.ts';
import { contentTypeLabel, safeErrorCode, safeErrorTitle, safeTraceId } from '#lib/qlik/foreign-text.ts';

/** One entry of Qlik's error body. Services differ: `status` is a string in some, a number in others. */
export interface QlikErrorItem {
  code: string;
  title: string;
  detail?: string;
  status?: string | number;
}

export interface QlikCloudApiErrorInit {
  method: string;
  /** Path without the query string: queries are not secret, but they make log lines noisy and unbounded. */
  path: string;
  status: number;
  errors: QlikErrorItem[];
  traceId: string | null;
  contentType: string | null;
  operation: QlikCloudOperation | null;
}

/** Qlik Cloud answered with an HTTP error status. */
export class QlikCloudApiError extends Error {
  override readonly name: string = 'QlikCloudApiError';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly errors: QlikErrorItem[];
  readonly traceId: string | null;
  readonly contentType: string | null;
  readonly operation: QlikCloudOperation | null;

  constructor(init: QlikCloudApiErrorInit, options?: { cause?: unknown }) {
    const first = init.errors[0];
    const summary = first ? `${first.code}: ${first.title}` : 'no Qlik error body';
    super(`${init.method} ${init.path} answered ${init.status} (${summary})`, options);
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.errors = init.errors;
    this.traceId = init.traceId;
    this.contentType = init.contentType;
    this.operation = init.operation;
  }

  /** Qlik's first error code, e.g. `HTTP-429` or `REP-403001`. */
  get code(): string | null {
    return this.errors[0]?.code ?? null;
  }

  /** All of Qlik's error text, for matching words such as "consent" (never shown raw to an admin). */
  get qlikText(): string {
    return this.errors.map((e) => `${e.code} ${e.title} ${e.detail ?? ''}`).join(' ');
  }
}

/** Qlik kept answering 429 longer than the caller's cap allows. */
export class QlikCloudRateLimitError extends QlikCloudApiError {
  override readonly name = 'QlikCloudRateLimitError';
  constructor(
    init: QlikCloudApiErrorInit,
    readonly attempts: number,
    readonly waitedMs: number,
    /** What Qlik asked for on the last answer; null when it sent no usable `Retry-After`. */
    readonly retryAfterMs: number | null,
    readonly reason: 'attempts' | 'wait',
  ) {
    super(init);
  }
}

/** No HTTP answer at all: DNS, TCP, TLS or a timeout. `code` is Node's or undici's error code. */
export class QlikCloudNetworkError extends Error {
  override readonly name = 'QlikCloudNetworkError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly host: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${path} on ${host} failed before any HTTP answer (${code})`, options);
  }
}

/** An HTTP answer that is not what the Qlik API documents (e.g. HTML where JSON was expected). */
export class QlikCloudResponseError extends Error {
  override readonly name = 'QlikCloudResponseError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly contentType: string | null,
    problem: string,
  ) {
    super(`${method} ${path} answered ${status} (${contentTypeLabel(contentType) ?? 'no content type'}): ${problem}`);
  }
}

/** Reads Qlik's `{errors:[...], traceId}` body; anything else yields no items. */
export function parseQlikErrorBody(text: string): { errors: QlikErrorItem[]; traceId: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { errors: [], traceId: null };
  }
  if (!parsed || typeof parsed !== 'object') return { errors: [], traceId: null };
  const body = parsed as { errors?: unknown; traceId?: unknown };
  const errors: QlikErrorItem[] = [];
  if (Array.isArray(body.errors)) {
    for (const item of body.errors) {
      if (!item || typeof item !== 'object') continue;
      const { code, title, detail, status } = item as Record<string, unknown>;
      // Code and title may reach an admin's message, so only in the shapes Qlik uses; detail is for matching only.
      errors.push({
        code: safeErrorCode(typeof code === 'number' ? String(code) : code) ?? '',
        title: safeErrorTitle(title),
        ...(typeof detail === 'string' ? { detail } : {}),
        ...(typeof status === 'string' || typeof status === 'number' ? { status } : {}),
      });
    }
  }
  return { errors, traceId: safeTraceId(body.traceId) };
}

/** Node and undici put the useful code on the error or on its cause (e.g. getaddrinfo ENOTFOUND). */
export function networkErrorCode(error: unknown): string {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    current = (current as { cause?: unknown }).cause;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}
