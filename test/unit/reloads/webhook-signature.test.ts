import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { qlikSignature, verifyQlikSignature, type SigningSecrets } from '#lib/reloads/webhook-signature.ts';

const SECRET = 'current-secret-0123456789abcdefghijklmnop';
const OLD_SECRET = 'previous-secret-0123456789abcdefghijklmno';
const NOW = new Date('2026-03-01T10:00:00Z');
const body = Buffer.from('{"id":"e1","type":"com.qlik.v1.reload.finished","data":{"appId":"a1"}}');
const secrets = (over: Partial<SigningSecrets> = {}): SigningSecrets => ({
  secret: SECRET,
  previous: null,
  previousUntil: null,
  ...over,
});
const sign = (payload: Buffer | string, secret = SECRET) => createHmac('sha256', secret).update(payload).digest('hex');

describe('Qlik-Signature verification', () => {
  it('accepts the hex HMAC-SHA256 of the raw body with the current secret', () => {
    expect(verifyQlikSignature(body, sign(body), secrets(), NOW)).toEqual({ ok: true, secret: 'current' });
  });

  it('accepts upper-case hex and surrounding whitespace', () => {
    expect(verifyQlikSignature(body, ` ${sign(body).toUpperCase()} `, secrets(), NOW).ok).toBe(true);
  });

  it('refuses a missing or empty header', () => {
    expect(verifyQlikSignature(body, undefined, secrets(), NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyQlikSignature(body, '  ', secrets(), NOW)).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a forged signature (right shape, wrong secret)', () => {
    expect(verifyQlikSignature(body, sign(body, 'someone-elses-secret-000000000000000'), secrets(), NOW)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a truncated hex signature without throwing', () => {
    expect(verifyQlikSignature(body, sign(body).slice(0, 40), secrets(), NOW)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyQlikSignature(body, sign(body).slice(0, 63), secrets(), NOW)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses signatures of the wrong length or alphabet without throwing', () => {
    for (const header of [
      sign(body) + '00',
      'zz'.repeat(32),
      Buffer.from(sign(body), 'hex').toString('base64'),
      `sha256=${sign(body)}`,
      'x',
    ]) {
      expect(() => verifyQlikSignature(body, header, secrets(), NOW)).not.toThrow();
      expect(verifyQlikSignature(body, header, secrets(), NOW).ok).toBe(false);
    }
  });

  it('refuses a valid signature over a modified body', () => {
    const modified = Buffer.from(body.toString().replace('a1', 'a2'));
    expect(verifyQlikSignature(modified, sign(body), secrets(), NOW)).toEqual({ ok: false, reason: 'mismatch' });
    // Re-serialising changes the bytes too, even when the JSON means the same.
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    expect(verifyQlikSignature(reformatted, sign(body), secrets(), NOW).ok).toBe(false);
  });

  it('accepts the previous secret during the rotation grace period only', () => {
    const rotated = secrets({ previous: OLD_SECRET, previousUntil: '2026-03-02T10:00:00Z' });
    expect(verifyQlikSignature(body, sign(body, OLD_SECRET), rotated, NOW)).toEqual({ ok: true, secret: 'previous' });
    expect(verifyQlikSignature(body, sign(body, OLD_SECRET), rotated, new Date('2026-03-02T10:00:01Z'))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(
      verifyQlikSignature(body, sign(body, OLD_SECRET), secrets({ previous: OLD_SECRET, previousUntil: null }), NOW).ok,
    ).toBe(false);
  });

  it('signs exactly as it verifies', () => {
    expect(qlikSignature(body, SECRET)).toBe(sign(body));
  });
});
