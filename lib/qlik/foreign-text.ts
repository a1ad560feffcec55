/**
 * What of a Qlik server's answer may appear in a check or sync message, a log line or stored state. A URL an admin
 * types can point at any server, so an answer is foreign input: only its status, Qlik's own error code and title
 * (when the body has Qlik's JSON error shape) and the TLS or network error class are ever repeated, and those only
 * in the shapes Qlik uses. Raw bodies, header values and anything else a server chooses are never repeated.
 */
import { UNSAFE_CHARACTERS_GLOBAL } from '#lib/text/unsafe-characters.ts';

/** Qlik's error codes look like `HTTP-429`, `REP-403001`, `OAUTH-1`: anything else is not repeated. */
export function safeErrorCode(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_.:-]{0,47}$/.test(value) ? value : null;
}

/** Qlik's error title on one line, without control or bidi characters, at most 120 characters. */
export function safeErrorTitle(value: unknown): string {
  if (typeof value !== 'string') return '';
  const line = value.replace(UNSAFE_CHARACTERS_GLOBAL, ' ').replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** A trace or request id: letters, digits and `-_.:`, at most 64 characters. */
export function safeTraceId(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(value) ? value : null;
}

const KNOWN_CONTENT_TYPES = new Set([
  'application/json',
  'application/problem+json',
  'text/html',
  'text/plain',
  'application/xml',
  'text/xml',
]);

/** `text/html` for a known media type, else `another content type`: the header's value is the server's choice. */
export function contentTypeLabel(value: string | null | undefined): string | null {
  if (!value) return null;
  const media = value.split(';')[0]!.trim().toLowerCase();
  return KNOWN_CONTENT_TYPES.has(media) ? media : 'another content type';
}

/** A name from a server certificate (host names, IPs, a CA's common name), kept to printable name characters. */
export function safeCertificateName(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9 ._*:@()-]/g, '').trim();
  return cleaned.length > 64 ? `${cleaned.slice(0, 61)}...` : cleaned;
}
