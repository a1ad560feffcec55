/**
 * What one sync knows about each app id, kept compact so memory stays flat per app (about 100 bytes: the id
 * string as a Map key plus a few typed-array slots) instead of holding listed or stored apps:
 *   - stored: the app is in the catalog, with its content hash and the latest event-reported reload;
 *   - seen:   Qlik listed it in this sync (also de-duplicates an app listed twice when pages shift);
 *   - checked: we know whether it is stored (covered by the digest stream, or looked up).
 * Apps that are stored but not seen after a complete listing are the ones Qlik no longer has.
 */
import type { LastReload, ReloadStatus, StoredDigest } from '#lib/repository/app-catalog.ts';

const STORED = 1;
const SEEN = 2;
const CHECKED = 4;
const HASH_VALID = 8;

const STATUS_CODES: ReloadStatus[] = ['succeeded', 'failed', 'canceled', 'unknown'];

export class SyncIndex {
  private readonly slots = new Map<string, number>();
  private size = 0;
  private flags = new Uint8Array(1024);
  private hashHi = new Uint32Array(1024);
  private hashLo = new Uint32Array(1024);
  /** Epoch ms of the event-reported reload; NaN when there is none. */
  private eventAt = new Float64Array(1024);
  private eventStatus = new Uint8Array(1024);
  /**
   * The digest stream runs as several key ranges side by side (split at `boundaries`); per range, every stored id up
   * to `coveredUpTo` (UTF-8 byte order, as DynamoDB sorts keys) has been streamed in, or the range is complete.
   */
  private readonly coveredUpTo: (string | null)[];
  private readonly rangeComplete: boolean[];
  private complete = false;

  constructor(private readonly boundaries: readonly string[] = []) {
    this.coveredUpTo = Array.from({ length: boundaries.length + 1 }, () => null);
    this.rangeComplete = this.coveredUpTo.map(() => false);
  }

  /** The key ranges to stream, in order: up to the first boundary, between boundaries, from the last one. */
  ranges(): { from?: string; to?: string }[] {
    return this.coveredUpTo.map((_, i) => ({
      ...(i > 0 ? { from: this.boundaries[i - 1] } : {}),
      ...(i < this.boundaries.length ? { to: this.boundaries[i] } : {}),
    }));
  }

  get count(): number {
    return this.size;
  }

  /** Records a stored app (from the digest stream or a lookup). */
  addStored(digest: StoredDigest): void {
    const i = this.slot(digest.appId);
    this.flags[i]! |= STORED | CHECKED;
    const hash = /^[0-9a-f]{16}$/.test(digest.hash) ? digest.hash : null;
    if (hash) {
      this.hashHi[i] = Number.parseInt(hash.slice(0, 8), 16);
      this.hashLo[i] = Number.parseInt(hash.slice(8), 16);
      this.flags[i]! |= HASH_VALID;
    } else {
      this.flags[i]! &= ~HASH_VALID;
    }
    const at = digest.reloadEvent ? Date.parse(digest.reloadEvent.at) : Number.NaN;
    this.eventAt[i] = at;
    this.eventStatus[i] = Math.max(0, STATUS_CODES.indexOf(digest.reloadEvent?.status ?? 'unknown'));
  }

  /** Range `range` of the digest stream has delivered every stored id up to and including `appId`. */
  coverUpTo(appId: string, range = 0): void {
    this.coveredUpTo[range] = appId;
  }

  /** The digest stream has ended (for one range, or for all): every stored app there is known. */
  markComplete(range?: number): void {
    if (range === undefined) this.rangeComplete.fill(true);
    else this.rangeComplete[range] = true;
    this.complete = this.rangeComplete.every(Boolean);
  }

  /** Marks an id as listed; false when it was already listed in this sync (a duplicate to skip). */
  markSeen(appId: string): boolean {
    const i = this.slot(appId);
    if (this.flags[i]! & SEEN) return false;
    this.flags[i]! |= SEEN;
    return true;
  }

  /** Whether we know if the app is stored, without asking DynamoDB. */
  isKnown(appId: string): boolean {
    if (this.complete) return true;
    const i = this.slots.get(appId);
    if (i !== undefined && this.flags[i]! & CHECKED) return true;
    const range = this.rangeOf(appId);
    const covered = this.coveredUpTo[range];
    return (
      this.rangeComplete[range]! || (covered !== null && covered !== undefined && compareKeys(appId, covered) <= 0)
    );
  }

  private rangeOf(appId: string): number {
    let range = 0;
    while (range < this.boundaries.length && compareKeys(appId, this.boundaries[range]!) > 0) range++;
    return range;
  }

  /** After a lookup: the app is known not to be stored (unless it was added meanwhile). */
  markChecked(appId: string): void {
    this.flags[this.slot(appId)]! |= CHECKED;
  }

  isStored(appId: string): boolean {
    const i = this.slots.get(appId);
    return i !== undefined && (this.flags[i]! & STORED) !== 0;
  }

  /** True when the stored hash equals `hash`. */
  hasHash(appId: string, hash: string): boolean {
    const i = this.slots.get(appId);
    if (i === undefined || !(this.flags[i]! & STORED) || !(this.flags[i]! & HASH_VALID)) return false;
    return (
      this.hashHi[i] === Number.parseInt(hash.slice(0, 8), 16) && this.hashLo[i] === Number.parseInt(hash.slice(8), 16)
    );
  }

  /** The event-reported reload kept with the stored app, if any. */
  reloadEvent(appId: string): LastReload | null {
    const i = this.slots.get(appId);
    if (i === undefined || Number.isNaN(this.eventAt[i]!)) return null;
    return { at: new Date(this.eventAt[i]!).toISOString(), status: STATUS_CODES[this.eventStatus[i]!] ?? 'unknown' };
  }

  /** Stored apps this sync did not see. */
  *storedNotSeen(): Generator<string> {
    for (const [appId, i] of this.slots) if ((this.flags[i]! & (STORED | SEEN)) === STORED) yield appId;
  }

  private slot(appId: string): number {
    let i = this.slots.get(appId);
    if (i === undefined) {
      i = this.size++;
      if (i >= this.flags.length) this.grow();
      this.flags[i] = 0;
      this.eventAt[i] = Number.NaN;
      this.slots.set(appId, i);
    }
    return i;
  }

  private grow(): void {
    const capacity = this.flags.length * 2;
    const grow = <T extends Uint8Array | Uint32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.flags = grow(this.flags, (n) => new Uint8Array(n));
    this.hashHi = grow(this.hashHi, (n) => new Uint32Array(n));
    this.hashLo = grow(this.hashLo, (n) => new Uint32Array(n));
    this.eventAt = grow(this.eventAt, (n) => new Float64Array(n));
    this.eventStatus = grow(this.eventStatus, (n) => new Uint8Array(n));
  }
}

const NON_ASCII = /[^ -~]/;

/** Orders keys as DynamoDB does (UTF-8 bytes); JavaScript's `<` compares UTF-16 units, which differs above U+FFFF. App ids are printable ASCII, the fast path. */
export function compareKeys(a: string, b: string): number {
  if (!NON_ASCII.test(a) && !NON_ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
