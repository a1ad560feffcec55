/**
 * The per-request rules QRS enforces, kept free of I/O so they can be unit-tested: the xrfkey, the
 * `X-Qlik-User` header, and query encoding.
 */
import { randomInt } from 'node:crypto';

const XRF_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 16 characters from `0-9a-zA-Z`, the only characters Qlik allows; a fresh one per call costs nothing. */
export function newXrfkey(): string {
  let key = '';
  for (let i = 0; i < 16; i += 1) key += XRF_ALPHABET[randomInt(XRF_ALPHABET.length)];
  return key;
}

/**
 * `UserDirectory=<dir>; UserId=<id>`. Ordinary names go as they are, because that is what Qlik's own
 * examples and the established tools send. Only characters that would break the header's `;`/`=` syntax or
 * are not printable ASCII are percent-encoded, as Qlik's enigma.js certificate example does for the whole
 * value (whether QRS decodes them is not confirmed; such names are rare in user directories).
 */
export function qlikUserHeader(userDirectory: string, userId: string): string {
  const safe = (value: string) => value.replace(/[^\x21-\x7e]|[;=%]/gu, (ch) => encodeURIComponent(ch));
  return `UserDirectory=${safe(userDirectory)}; UserId=${safe(userId)}`;
}

/**
 * Strict RFC 3986 encoding: `encodeURIComponent` plus `!'()*`, so no character of a filter (quotes included)
 * can be read as URL syntax by anything between us and QRS.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type QueryValue = string | number | boolean | undefined | null;

/** `?a=1&filter=...` (empty string when there is nothing to send); undefined/null values are left out. */
export function buildQuery(query: Record<string, QueryValue>): string {
  const parts = Object.entries(query)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${encodeQueryValue(key)}=${encodeQueryValue(String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** How a request is named in errors and logs: the query readable and without the xrfkey. */
export function describeRequestPath(path: string, query: Record<string, QueryValue>): string {
  const parts = Object.entries(query)
    .filter(([key, value]) => value !== undefined && value !== null && key.toLowerCase() !== 'xrfkey')
    .map(([key, value]) => `${key}=${String(value)}`);
  return parts.length > 0 ? `${path}?${parts.join('&')}` : path;
}

/** Qlik's error text from a QRS error body: JSON (`"text"`, `{message}`) or plain text, trimmed to one line. */
export function qlikErrorMessage(body: string): string {
  const text = body.trim();
  if (!text) return '';
  let message = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'string') message = parsed;
    else if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const candidate = record.message ?? record.Message ?? record.errorText ?? record.error;
      if (typeof candidate === 'string') message = candidate;
    }
  } catch {
    // Not JSON: QRS sends most errors as plain text.
  }
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 297)}...` : oneLine;
}
