/**
 * Keeps a lease while long work runs, and fences the work's writes with it.
 *
 * The lease is renewed every third of its lifetime. The work may write only while the lease is certainly still
 * ours: `assertHeld()` (called right before every write) throws `LeaseLostError` once a renewal said the lease
 * was taken, once a renewal failed (the holder cannot know whether it still holds it), or once the last
 * confirmed expiry, less a margin for clock skew between containers, has passed. `signal` aborts at the same
 * moment, so reads in flight stop too.
 *
 * Why not a DynamoDB condition on every app write: BatchWriteItem takes no conditions, and TransactWriteItems
 * with a ConditionCheck on the lease item would make every write batch conflict with the renewal and with the
 * other batches in flight (transactions on one item serialise), cost two write units per app, and is not
 * implemented by dynalite, the emulator `npm start` runs on. The holder-side fence above stops writing a third
 * of a lease lifetime before anyone else can take the lease.
 */
import type { Lease } from '#lib/leases/lease.ts';

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export interface LeaseKeeperOptions {
  ttlMs: number;
  now?: () => number;
  /** Reported once when the lease is lost (the caller logs it). */
  onLost?: (error: LeaseLostError) => void;
}

export class LeaseKeeper {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private confirmedUntil: number;
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly lease: Lease,
    private readonly options: LeaseKeeperOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.confirmedUntil = this.now() + options.ttlMs;
    this.timer = setInterval(() => void this.renew(), options.ttlMs / 3);
    this.timer.unref?.();
  }

  /** Aborted when the lease is lost; pass it to reads so they stop as well. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Throws LeaseLostError unless the lease is certainly still held; call it right before each write. */
  assertHeld(): void {
    if (!this.controller.signal.aborted && this.now() > this.confirmedUntil - this.options.ttlMs / 3) {
      this.lose('The sync lease ran out without a confirmed renewal; the sync stopped before writing more.');
    }
    if (this.controller.signal.aborted) throw this.controller.signal.reason as LeaseLostError;
  }

  get lost(): boolean {
    return this.controller.signal.aborted;
  }

  /** One renewal now (the timer calls it; tests may too). */
  renew(): Promise<void> {
    if (this.lost) return Promise.resolve();
    this.renewing ??= (async () => {
      const until = this.now() + this.options.ttlMs;
      try {
        if (await this.lease.renew(this.options.ttlMs)) this.confirmedUntil = until;
        else this.lose('Someone else took the lease (it had expired); the sync stopped before writing more.');
      } catch (error) {
        this.lose(
          `The lease could not be renewed (${error instanceof Error ? error.message : String(error)}); the sync stopped before writing more.`,
        );
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  /** Stops renewing (the caller releases the lease). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }

  private lose(message: string): void {
    if (this.lost) return;
    const error = new LeaseLostError(message);
    this.controller.abort(error);
    this.options.onLost?.(error);
  }
}
