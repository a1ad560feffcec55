import { describe, expect, it } from 'vitest';
import type { SigningSecrets } from '#lib/reloads/webhook-signature.ts';
import { SigningSecretCache } from '#lib/reloads/signing-secret-cache.ts';

function source(initial: string) {
  const state = { reads: 0, value: { secret: initial, previous: null, previousUntil: null } as SigningSecrets };
  return { state, read: async () => (state.reads++, { ...state.value }) };
}

describe('webhook signing secret cache', () => {
  it('reads once for concurrent callers and again only after the TTL', async () => {
    let now = 0;
    const { state, read } = source('s1');
    const cache = new SigningSecretCache(read, { ttlMs: 1000, now: () => now });
    await Promise.all([cache.get(), cache.get(), cache.get()]);
    now = 999;
    await cache.get();
    expect(state.reads).toBe(1);
    now = 1000;
    await cache.get();
    expect(state.reads).toBe(2);
  });

  it('re-reads after a mismatch (a rotated secret), at most once per interval', async () => {
    let now = 0;
    const { state, read } = source('s1');
    const cache = new SigningSecretCache(read, { ttlMs: 60_000, minRefreshIntervalMs: 10_000, now: () => now });
    await cache.get();
    state.value.secret = 's2';
    expect(await cache.refreshAfterMismatch()).toBeNull();
    now = 10_000;
    expect((await cache.refreshAfterMismatch())?.secret).toBe('s2');
    expect(await cache.refreshAfterMismatch()).toBeNull();
    expect(state.reads).toBe(2);
  });
});
