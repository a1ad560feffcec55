/**
 * Where the admin API's bearer token comes from, and what happens on a 401. Locally without sign-in there is no
 * token (the runtime listens on loopback only); with sign-in (`auth/session.ts`) the session installs both at start-up.
 * Tokens stay in memory: this module never writes to localStorage or sessionStorage.
 */
export type AccessTokenProvider = () => string | null | Promise<string | null>;
/** Resolves true when the request may be retried with a fresh token. */
export type UnauthorizedHandler = () => Promise<boolean>;

let provider: AccessTokenProvider = () => null;
let onUnauthorized: UnauthorizedHandler = async () => false;

/** Installs the function that returns the current access token (or null for no Authorization header). */
export function setAccessTokenProvider(next: AccessTokenProvider): void {
  provider = next;
}

export function setUnauthorizedHandler(next: UnauthorizedHandler): void {
  onUnauthorized = next;
}

export async function currentAccessToken(): Promise<string | null> {
  return provider();
}

export function unauthorized(): Promise<boolean> {
  return onUnauthorized();
}
