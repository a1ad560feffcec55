/**
 * The one fetch wrapper of the admin page: same-origin JSON calls, the optional bearer token, and RFC 9457
 * problem details turned into `ApiError`s whose field errors the forms show next to their fields.
 */
import { currentAccessToken, unauthorized } from './auth.ts';
import type { FieldError } from './types.ts';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: FieldError[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
}

/** Resolves `api/...` against the page, so the page works under any stage prefix. */
function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), document.baseURI).toString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldErrorsOf(problem: Record<string, unknown>): FieldError[] {
  const errors = problem['errors'];
  if (!Array.isArray(errors)) return [];
  return errors.filter(isRecord).map((e) => ({ field: String(e['field'] ?? ''), message: String(e['message'] ?? '') }));
}

function problemMessage(status: number, problem: Record<string, unknown> | null): string {
  const detail = problem?.['detail'];
  const title = problem?.['title'];
  if (typeof detail === 'string' && detail) return detail;
  if (typeof title === 'string' && title) return title;
  if (status === 401 || status === 403) return 'Your session has expired or you lack access. Sign in again.';
  if (status >= 500) return 'The service had a problem. Try again in a moment.';
  return `The request failed (HTTP ${status}).`;
}

/** A 401 gets one refresh of the token and one retry; the session takes over when the refresh is refused. */
export async function apiFetch<T>(path: string, request: ApiRequest = {}): Promise<ApiResponse<T>> {
  try {
    return await attempt<T>(path, request);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && (await unauthorized())) return attempt<T>(path, request);
    throw error;
  }
}

async function attempt<T>(path: string, request: ApiRequest): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  const token = await currentAccessToken();
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path), {
      method: request.method ?? 'GET',
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'The service could not be reached. Check your connection and try again.', [], { cause });
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const problem = isRecord(parsed) ? parsed : null;
    throw new ApiError(
      response.status,
      problemMessage(response.status, problem),
      problem ? fieldErrorsOf(problem) : [],
    );
  }
  return { status: response.status, data: parsed as T };
}
