/**
 * Groups the sync's puts and deletes into BatchWriteItem calls of 25 and keeps a few in flight, so storing one
 * page overlaps with fetching the next. DynamoDB may process only part of a batch (throttling, partition limits):
 * what comes back unprocessed is retried with exponential backoff and full jitter, as AWS recommends, until it is
 * written or the attempts run out. `add` waits when the in-flight limit is reached, which bounds memory: the
 * sync can never run ahead of storage by more than `maxInFlight` batches.
 */
import type { AppCatalog, StoredApp, WriteStats } from '#lib/repository/app-catalog.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

export const BATCH_SIZE = 25;

export interface BatchWriterOptions {
  /** BatchWriteItem calls in flight at once. */
  maxInFlight?: number;
  /** Tries per batch, the first included, before the sync fails. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called right before every BatchWriteItem call; throws to stop writing (the sync's lease fence). */
  fence?: () => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export class BatchWriteError extends Error {
  override readonly name = 'BatchWriteError';
}

type Batch = { puts: StoredApp[]; deletes: string[] };

export class BatchWriter {
  readonly stats: WriteStats & { puts: number; deletes: number; retries: number } = {
    items: 0,
    calls: 0,
    writeUnits: 0,
    puts: 0,
    deletes: 0,
    retries: 0,
  };
  private pending: Batch = { puts: [], deletes: [] };
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;
  private readonly options: Required<Omit<BatchWriterOptions, 'sleep' | 'random' | 'fence'>> &
    Pick<BatchWriterOptions, 'sleep' | 'random' | 'fence'>;

  constructor(
    private readonly catalog: AppCatalog,
    private readonly serverId: ServerId,
    options: BatchWriterOptions = {},
  ) {
    this.options = { maxInFlight: 8, maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 5_000, ...options };
  }

  put(app: StoredApp): Promise<void> {
    this.pending.puts.push(app);
    return this.maybeDispatch();
  }

  delete(appId: string): Promise<void> {
    this.pending.deletes.push(appId);
    return this.maybeDispatch();
  }

  /** Sends what is pending and waits for every batch; throws the first failure. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.pending.puts.length + this.pending.deletes.length > 0) await this.dispatch();
    await this.drain();
    this.throwIfFailed();
  }

  /** Waits for the batches in flight without sending more (after a failure elsewhere). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async maybeDispatch(): Promise<void> {
    this.throwIfFailed();
    if (this.pending.puts.length + this.pending.deletes.length >= BATCH_SIZE) await this.dispatch();
  }

  private async dispatch(): Promise<void> {
    while (this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const batch = this.pending;
    this.pending = { puts: [], deletes: [] };
    const task: Promise<void> = this.write(batch)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private async write(batch: Batch): Promise<void> {
    let remaining = batch;
    for (let attempt = 1; ; attempt++) {
      const count = remaining.puts.length + remaining.deletes.length;
      this.options.fence?.();
      const { unprocessed, writeUnits } = await this.catalog.writeBatch(this.serverId, remaining);
      const left = unprocessed.puts.length + unprocessed.deletes.length;
      this.stats.calls++;
      this.stats.writeUnits += writeUnits;
      this.stats.items += count - left;
      this.stats.puts += remaining.puts.length - unprocessed.puts.length;
      this.stats.deletes += remaining.deletes.length - unprocessed.deletes.length;
      if (left === 0) return;
      if (attempt >= this.options.maxAttempts) {
        throw new BatchWriteError(
          `DynamoDB left ${left} app writes unprocessed after ${attempt} attempts; the table is throttled. The next sync retries them.`,
        );
      }
      this.stats.retries++;
      await (this.options.sleep ?? defaultSleep)(this.backoff(attempt));
      remaining = unprocessed;
    }
  }

  /** Full jitter: a random wait up to base x 2^attempt, capped. */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** attempt);
    return Math.round((this.options.random ?? Math.random)() * ceiling);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
