/** How close a certificate is to its end, for the warning badge in the UI. */
export type CertificateExpiryState = 'valid' | 'expiring' | 'expired';

/** The UI warns this long before `notAfter`, leaving an admin time to renew and re-export from the QMC. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Classifies a certificate's `notAfter` (ISO 8601). X.509 validity includes `notAfter` itself, so a
 * certificate is expired only after that instant, and 'expiring' from exactly 30 days before it.
 *
 * @example
 * certificateExpiryState('2026-03-31T00:00:00.000Z', new Date('2026-03-15T00:00:00Z')); // 'expiring'
 */
export function certificateExpiryState(notAfter: string, now: Date = new Date()): CertificateExpiryState {
  const end = Date.parse(notAfter);
  if (Number.isNaN(end)) throw new RangeError(`notAfter is not a date: ${notAfter}`);
  if (now.getTime() > end) return 'expired';
  if (now.getTime() >= end - EXPIRY_WARNING_DAYS * DAY_MS) return 'expiring';
  return 'valid';
}
