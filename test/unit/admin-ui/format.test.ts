import { describe, expect, it } from 'vitest';
import { certificateExpiry, syncSummary } from '#lib/admin-ui/web/model/format.ts';

const DAY = 86_400_000;
const now = Date.parse('2026-03-01T12:00:00Z');
const at = (days: number) => new Date(now + days * DAY).toISOString();

describe('certificate expiry badge', () => {
  it('is fine more than 30 days ahead', () => {
    expect(certificateExpiry(at(31), now).tone).toBe('ok');
  });

  it('warns from 30 days before expiry', () => {
    expect(certificateExpiry(at(30), now)).toEqual({ tone: 'warning', label: 'Expires in 30 days' });
    expect(certificateExpiry(at(0.5), now)).toEqual({ tone: 'warning', label: 'Expires tomorrow' });
  });

  it('is an error once expired', () => {
    expect(certificateExpiry(at(0), now).tone).toBe('error');
    expect(certificateExpiry(at(-3), now).label).toMatch(/^Expired on /);
  });
});

describe('sync summary', () => {
  const base = { at: at(0), added: 3, updated: 1, removed: 0, total: 42, error: null };

  it('counts the apps of a finished sync', () => {
    expect(syncSummary({ ...base, status: 'succeeded' })).toBe('42 apps (3 added, 1 updated, 0 removed)');
  });

  it('shows progress while running', () => {
    expect(syncSummary({ ...base, status: 'running', progress: { appsSeen: 10, expected: 40 } })).toBe(
      'Syncing: 10 of 40 apps',
    );
    expect(syncSummary({ ...base, status: 'running', progress: { appsSeen: 1 } })).toBe('Syncing: 1 app so far');
  });

  it('gives the reason of a failed sync', () => {
    expect(syncSummary({ ...base, status: 'failed', error: 'Qlik answered 403.' })).toBe('Failed: Qlik answered 403.');
  });
});
