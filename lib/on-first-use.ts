/**
 * Builds something on its first use and keeps it, so a cold start that never needs it never loads its modules
 * (`await import()` inside `load`). A failed build is not kept: the next use tries again.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}
