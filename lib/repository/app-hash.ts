/**
 * The content hash that makes an unchanged app cost nothing on re-sync, and the time normalization it depends on:
 * Qlik writes the same instant in different shapes (`…00Z`, `…00.000Z`, QRS's `1753-01-01` "never" sentinel), and
 * a hash over raw strings would see a change where there is none.
 */
import { createHash } from 'node:crypto';
import type { CatalogApp } from '#lib/repository/app-catalog.ts';

/** QRS stores "never" (an unpublished app's publish time, a never-reloaded app) as this date. */
const QRS_NEVER_YEAR = 1753;

/** ISO 8601 UTC with milliseconds, or null for absent, unreadable or QRS's "never". */
export function normalizeTime(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  const date = new Date(ms);
  return date.getUTCFullYear() <= QRS_NEVER_YEAR ? null : date.toISOString();
}

/**
 * 64 bits of SHA-256 over the kept fields in a fixed order, as 16 hex characters. 64 bits is plenty: a collision
 * only means one changed app is not rewritten until its next change (odds about 1 in 10^19 per change).
 */
export function contentHash(app: CatalogApp): string {
  const canonical = JSON.stringify([
    app.name,
    app.group ? [app.group.id, app.group.name] : null,
    app.owner,
    app.published,
    app.publishTime,
    app.lastReload ? [app.lastReload.at, app.lastReload.status] : null,
    app.modifiedAt,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
