import { describe, expect, it } from 'vitest';
import { EXPIRY_WARNING_DAYS, certificateExpiryState } from '#lib/certificates/expiry.ts';

const NOT_AFTER = '2026-06-30T12:00:00.000Z';
const end = Date.parse(NOT_AFTER);
const DAY_MS = 24 * 60 * 60 * 1000;

describe('certificate expiry state (the UI warning badge)', () => {
  it.each([
    ['a year before notAfter', end - 365 * DAY_MS, 'valid'],
    ['one millisecond before the warning window', end - EXPIRY_WARNING_DAYS * DAY_MS - 1, 'valid'],
    ['exactly 30 days before notAfter', end - 30 * DAY_MS, 'expiring'],
    ['one day before notAfter', end - DAY_MS, 'expiring'],
    ['at notAfter itself (still valid in X.509)', end, 'expiring'],
    ['one millisecond after notAfter', end + 1, 'expired'],
    ['a year after notAfter', end + 365 * DAY_MS, 'expired'],
  ])('is %s -> %s', (_label, now, expected) => {
    // Act
    const state = certificateExpiryState(NOT_AFTER, new Date(now));

    // Assess
    expect(state).toBe(expected);
  });

  it('warns 30 days ahead', () => {
    expect(EXPIRY_WARNING_DAYS).toBe(30);
  });

  it('uses the current time when none is given', () => {
    expect(certificateExpiryState(new Date(Date.now() + 365 * DAY_MS).toISOString())).toBe('valid');
    expect(certificateExpiryState(new Date(Date.now() - DAY_MS).toISOString())).toBe('expired');
  });

  it('refuses a notAfter that is not a date rather than calling it valid', () => {
    expect(() => certificateExpiryState('not a date')).toThrow(RangeError);
  });
});
