/**
 * The webhook signing secret, held in this container's memory only (DESIGN §4) so a burst of deliveries costs one
 * Secrets Manager call, not one per event.
 *
 * Rotation: the connection test stores a new secret before it tells Qlik (webhook-subscription.ts), so the first
 * delivery signed with it may meet our cached copy of the old one. A mismatch therefore re-reads the secret once,
 * but at most once per `minRefreshIntervalMs`, so a flood of forged signatures cannot turn into a flood of
 * Secrets Manager calls.
 */
import type { SigningSecrets } from '#lib/reloads/webhook-signature.ts';

export interface SigningSecretCacheOptions {
  ttlMs?: number;
  minRefreshIntervalMs?: number;
  now?: () => number;
}

export class SigningSecretCache {
  private value: SigningSecrets | null = null;
  private readAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<SigningSecrets | null> | null = null;
  private readonly ttlMs: number;
  private readonly minRefreshIntervalMs: number;
  private readonly now: () => number;

  constructor(
    /** The saved tenant's keys (webhook-signing-secrets.ts `signingKeysFor`), or null when none are stored. */
    private readonly read: () => Promise<SigningSecrets | null>,
    options: SigningSecretCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The cached secrets, read again once the TTL has passed. Concurrent callers share one read. */
  async get(): Promise<SigningSecrets | null> {
    if (this.now() - this.readAt < this.ttlMs) return this.value;
    return this.load();
  }

  /** Reads again after a signature mismatch; null when a read happened too recently to be worth repeating. */
  async refreshAfterMismatch(): Promise<SigningSecrets | null> {
    if (this.now() - this.readAt < this.minRefreshIntervalMs) return null;
    return this.load();
  }

  private load(): Promise<SigningSecrets | null> {
    this.inflight ??= this.read()
      .then((secret) => {
        this.value = secret;
        this.readAt = this.now();
        return this.value;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
}
