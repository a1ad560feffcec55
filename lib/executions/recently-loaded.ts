/**
 * A container's short memory of what it loaded: the same key within `ttlMs` of a load shares that load (and its
 * answer, `null` included), so a worker running extraction after extraction for one server reads the server's
 * settings, state and secret once every few seconds instead of on every message's critical path. A failed load is
 * not kept. What this delays is bounded by `ttlMs`: a saved change reaches the next extraction within that time
 * (the cap itself does not wait: it is the slot item's, read on every take).
 */
export function recentlyLoaded<K, V>(
  load: (key: K) => Promise<V>,
  ttlMs: number,
  now: () => number = Date.now,
): (key: K) => Promise<V> {
  const loads = new Map<K, { until: number; value: Promise<V> }>();
  return (key) => {
    const at = now();
    const kept = loads.get(key);
    if (kept && kept.until > at) return kept.value;
    const value = load(key);
    const entry = { until: at + ttlMs, value };
    loads.set(key, entry);
    value.catch(() => {
      if (loads.get(key) === entry) loads.delete(key);
    });
    return value;
  };
}
