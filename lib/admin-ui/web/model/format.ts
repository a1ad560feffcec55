/** Dates, counts and certificate expiry as an admin reads them. */
import type { LastSync } from '../api/types.ts';

const DAY_MS = 86_400_000;
export const EXPIRY_WARNING_DAYS = 30;

export type Tone = 'ok' | 'warning' | 'error' | 'neutral' | 'info';

export interface ExpiryStatus {
  tone: 'ok' | 'warning' | 'error';
  label: string;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatDate = (iso: string): string => dateFormat.format(new Date(iso));
export const formatDateTime = (iso: string): string => dateTimeFormat.format(new Date(iso));

export function formatRelative(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** A warning from 30 days before `notAfter`, an error once it has passed. */
export function certificateExpiry(notAfter: string, now = Date.now()): ExpiryStatus {
  const remaining = new Date(notAfter).getTime() - now;
  if (remaining <= 0) return { tone: 'error', label: `Expired on ${formatDate(notAfter)}` };
  const days = Math.ceil(remaining / DAY_MS);
  if (days <= EXPIRY_WARNING_DAYS) {
    return { tone: 'warning', label: days === 1 ? 'Expires tomorrow' : `Expires in ${days} days` };
  }
  return { tone: 'ok', label: `Valid until ${formatDate(notAfter)}` };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function syncSummary(sync: LastSync): string {
  if (sync.status === 'running') {
    const seen = sync.progress?.appsSeen ?? 0;
    const expected = sync.progress?.expected;
    return expected ? `Syncing: ${seen} of ${plural(expected, 'app')}` : `Syncing: ${plural(seen, 'app')} so far`;
  }
  if (sync.status === 'failed') return `Failed: ${sync.error ?? 'the sync did not finish.'}`;
  return `${plural(sync.total, 'app')} (${sync.added} added, ${sync.updated} updated, ${sync.removed} removed)`;
}
