/**
 * Verifies Qlik Cloud's `Qlik-Signature` header: HMAC-SHA256 of the raw request body with the webhook's secret,
 * hex encoded (Qlik Cloud's webhook documentation, "Signature and delivery"). The check runs on the exact bytes Qlik sent,
 * before anything parses them, so a body that was re-serialized, trimmed or re-encoded never passes.
 *
 * Timing: the header is decoded to 32 bytes and compared with `timingSafeEqual` against the 32-byte digest, so
 * the comparison takes the same time wherever the first wrong byte is. A header that is not 64 hex characters
 * is refused before any comparison (its length reveals nothing secret) and never throws.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookSigningKeys } from '#lib/servers/server-record.ts';

/** One webhook's secret and, until `previousUntil`, the one before the latest rotation. */
export type SigningSecrets = WebhookSigningKeys;

export type SignatureVerdict =
  { ok: true; secret: 'current' | 'previous' } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export function qlikSignature(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * @example
 *   const verdict = verifyQlikSignature(rawBody, headers['qlik-signature'], secrets, new Date());
 *   if (!verdict.ok) return unauthorized(verdict.reason);
 */
export function verifyQlikSignature(
  body: Buffer,
  header: string | undefined,
  secrets: SigningSecrets,
  now: Date,
): SignatureVerdict {
  const value = header?.trim();
  if (!value) return { ok: false, reason: 'missing' };
  if (!SHA256_HEX.test(value)) return { ok: false, reason: 'malformed' };
  const presented = Buffer.from(value, 'hex');
  if (matches(presented, body, secrets.secret)) return { ok: true, secret: 'current' };
  if (
    secrets.previous &&
    secrets.previousUntil &&
    now.getTime() < Date.parse(secrets.previousUntil) &&
    matches(presented, body, secrets.previous)
  ) {
    return { ok: true, secret: 'previous' };
  }
  return { ok: false, reason: 'mismatch' };
}

function matches(presented: Buffer, body: Buffer, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(body).digest();
  // Both are 32 bytes here (the header was checked to be 64 hex characters); the guard keeps that true if the
  // pattern ever changes, because timingSafeEqual throws on unequal lengths.
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
