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

/**
 * A stand-in for a service whose methods are all asynchronous (the type says so: no public fields, no synchronous
 * methods): the first call builds it (`load`, with its `await import()`), every call goes to the one built instance.
 * For services and adapters a cold start need not load at all.
 */
export function builtOnFirstCall<T extends { [K in keyof T]: (...args: never[]) => Promise<unknown> }>(
  load: () => Promise<T>,
): T {
  const instance = onFirstUse(load);
  return new Proxy({} as T, {
    get: (_, method) =>
      // Not a thenable: `await` on the stand-in must not call into the service.
      method === 'then'
        ? undefined
        : async (...args: unknown[]) => {
            const target = await instance();
            return (target[method as keyof T] as unknown as (...callArgs: unknown[]) => unknown).apply(target, args);
          },
  });
}
