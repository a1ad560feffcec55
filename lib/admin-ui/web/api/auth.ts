/**
 * Where the admin API's bearer token comes from. Locally there is none (the runtime listens on loopback only);
 * in AWS the HTTP API has a Cognito JWT authorizer, and the sign-in code installs a provider here at start-up.
 * Tokens stay in memory: this module never writes to localStorage or sessionStorage.
 */
export type AccessTokenProvider = () => string | null | Promise<string | null>;

let provider: AccessTokenProvider = () => null;

/** Installs the function that returns the current access token (or null for no Authorization header). */
export function setAccessTokenProvider(next: AccessTokenProvider): void {
  provider = next;
}

export async function currentAccessToken(): Promise<string | null> {
  return provider();
}
