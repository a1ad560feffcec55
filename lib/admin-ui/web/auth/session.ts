/**
 * Signing the admin in with `oidc-client-ts`: authorization code with PKCE against the issuer the admin-ui function
 * names in `config.json` (Cognito managed login in AWS; the local runtime's OIDC issuer in its OIDC mode; nobody
 * without either).
 *
 * Tokens stay in memory (an in-memory user store): nothing in localStorage, and sessionStorage holds only the
 * library's short-lived sign-in request state and, around a sign-in trip, an open form's non-secret values.
 * Access tokens renew silently before they expire (refresh token grant); an API call answered 401 gets one refresh
 * and one retry, and when the refresh is refused the admin goes through sign-in and comes back to the same screen.
 */
import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { SignInConfig } from '#lib/admin-ui/sign-in-config.ts';
import { setAccessTokenProvider, setUnauthorizedHandler } from '../api/auth.ts';
import { stashOpenForms } from './unsaved-forms.ts';

export type SessionState =
  | { status: 'not-required' }
  | { status: 'signed-in'; name: string }
  | { status: 'signed-out'; reason: 'signed-out' | 'expired' | 'new' };

export interface Session {
  state: SessionState;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
}

const SIGNED_OUT_FLAG = 'kpimailer.signed-out';

/** The page's own URL without query or hash: where the issuer returns the admin (registered on the client). */
const pageUrl = (): string => new URL('./', document.baseURI).toString();

function displayName(user: User): string {
  const profile = user.profile as Record<string, unknown>;
  const pick = (key: string) => (typeof profile[key] === 'string' && profile[key] ? (profile[key] as string) : null);
  return pick('email') ?? pick('cognito:username') ?? pick('preferred_username') ?? user.profile.sub;
}

async function loadConfig(): Promise<SignInConfig> {
  const response = await fetch(new URL('config.json', document.baseURI), {
    cache: 'no-store',
    credentials: 'same-origin',
  });
  if (!response.ok) throw new Error(`The sign-in settings could not be loaded (HTTP ${response.status}).`);
  return (await response.json()) as SignInConfig;
}

function userManagerFor(config: Extract<SignInConfig, { mode: 'oidc' }>): UserManager {
  return new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: pageUrl(),
    post_logout_redirect_uri: pageUrl(),
    response_type: 'code',
    scope: config.scope,
    // The endpoints come with config.json, so the page never fetches the discovery document (and the CSP need
    // allow only the token endpoint's origin).
    metadata: {
      issuer: config.issuer,
      authorization_endpoint: config.authorizationEndpoint,
      token_endpoint: config.tokenEndpoint,
      ...(config.revocationEndpoint ? { revocation_endpoint: config.revocationEndpoint } : {}),
      end_session_endpoint: config.logoutEndpoint,
    },
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: 60,
    loadUserInfo: false,
    monitorSession: false,
  });
}

/** Starts the session: finishes a sign-in the issuer just returned from, or finds none. */
export async function startSession(onChange: (state: SessionState) => void): Promise<Session> {
  const config = await loadConfig();
  if (config.mode !== 'oidc') {
    return { state: { status: 'not-required' }, signIn: async () => undefined, signOut: async () => undefined };
  }
  const manager = userManagerFor(config);
  let user: User | null = null;
  const url = new URL(location.href);
  if (url.searchParams.has('code') || url.searchParams.has('error')) {
    user = await manager.signinRedirectCallback().catch(() => null);
    const returnTo = (user?.state as { returnTo?: string } | undefined)?.returnTo ?? '';
    history.replaceState(null, '', `${pageUrl()}${returnTo.startsWith('#') ? returnTo : ''}`);
  }

  const signIn = async () => {
    sessionStorage.removeItem(SIGNED_OUT_FLAG);
    await manager.signinRedirect({ state: { returnTo: location.hash } });
  };

  let refreshing: Promise<boolean> | null = null;
  /** One refresh at a time, whoever asks; false when the issuer refuses it. */
  const refresh = (): Promise<boolean> =>
    (refreshing ??= (async () => {
      try {
        const current = await manager.getUser();
        if (!current?.refresh_token) return false;
        return (await manager.signinSilent()) !== null;
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })());

  setAccessTokenProvider(async () => (await manager.getUser())?.access_token ?? null);
  setUnauthorizedHandler(async () => {
    if (await refresh()) return true;
    // The session is over: keep what the admin typed (non-secret fields) and come back to this screen.
    onChange({ status: 'signed-out', reason: 'expired' });
    stashOpenForms();
    await signIn();
    return new Promise<boolean>(() => undefined);
  });
  manager.events.addUserLoaded((loaded) => onChange({ status: 'signed-in', name: displayName(loaded) }));
  manager.events.addSilentRenewError(() => void refresh());

  const signOut = async () => {
    const current = await manager.getUser();
    await manager.revokeTokens(['refresh_token']).catch(() => undefined);
    await manager.removeUser();
    sessionStorage.setItem(SIGNED_OUT_FLAG, '1');
    const logout = new URL(config.logoutEndpoint);
    logout.searchParams.set('client_id', config.clientId);
    logout.searchParams.set(config.logoutRedirectParameter, pageUrl());
    if (current?.id_token && config.logoutRedirectParameter === 'post_logout_redirect_uri')
      logout.searchParams.set('id_token_hint', current.id_token);
    location.assign(logout.toString());
  };

  const state: SessionState = user
    ? { status: 'signed-in', name: displayName(user) }
    : { status: 'signed-out', reason: sessionStorage.getItem(SIGNED_OUT_FLAG) ? 'signed-out' : 'new' };
  return { state, signIn, signOut };
}
