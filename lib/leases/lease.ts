/**
 * A lease: exclusive, expiring ownership of a named piece of work (one sync per server, one webhook provisioning at a
 * time) across Lambda containers. Expiry means a crashed owner never blocks the work for longer than the lease.
 */
export interface Lease {
  readonly name: string;
  /** Extends the lease; false when it was lost (expired and taken by someone else). */
  renew(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

export interface LeaseProvider {
  /**
   * Takes the lease if free or expired; null when someone else holds it. With `owner`, whoever knows that token may
   * take the lease over while it is held (a request takes it and hands the token to the function doing the work).
   */
  tryAcquire(name: string, ttlMs: number, owner?: string): Promise<Lease | null>;
}

/** Waits for a lease (polling), runs the work, releases. */
export async function withLease<T>(
  provider: LeaseProvider,
  name: string,
  work: () => Promise<T>,
  options: { ttlMs: number; waitMs: number; pollMs?: number },
): Promise<T> {
  const giveUpAt = Date.now() + options.waitMs;
  for (;;) {
    const lease = await provider.tryAcquire(name, options.ttlMs);
    if (lease) {
      try {
        return await work();
      } finally {
        await lease.release();
      }
    }
    if (Date.now() >= giveUpAt) throw new Error(`Another run holds "${name}"; try again in a moment.`);
    await new Promise((resolve) => setTimeout(resolve, (options.pollMs ?? 100) * (0.5 + Math.random())));
  }
}
