/**
 * How the admin page signs an admin in, served by the admin-ui function as `config.json` so one build serves every
 * stack. In AWS the stack sets the Cognito managed login endpoints; the local runtime's OIDC mode sets those of the
 * issuer's discovery document; without either the page runs without sign-in (the local runtime on loopback).
 */
export type SignInConfig =
  | { mode: 'none' }
  | {
      mode: 'oidc';
      issuer: string;
      clientId: string;
      scope: string;
      authorizationEndpoint: string;
      tokenEndpoint: string;
      revocationEndpoint: string | null;
      logoutEndpoint: string;
      /** Cognito's `/logout` takes `logout_uri`; an OpenID Connect end-session endpoint `post_logout_redirect_uri`. */
      logoutRedirectParameter: 'logout_uri' | 'post_logout_redirect_uri';
    };

export const SIGN_IN_SCOPE = 'openid email';

/** The environment variables the stack and the local runtime set; one name per fact. */
export const SIGN_IN_ENV = {
  issuer: 'ADMIN_SIGN_IN_ISSUER',
  clientId: 'ADMIN_SIGN_IN_CLIENT_ID',
  authorizationEndpoint: 'ADMIN_SIGN_IN_AUTHORIZATION_ENDPOINT',
  tokenEndpoint: 'ADMIN_SIGN_IN_TOKEN_ENDPOINT',
  revocationEndpoint: 'ADMIN_SIGN_IN_REVOCATION_ENDPOINT',
  logoutEndpoint: 'ADMIN_SIGN_IN_LOGOUT_ENDPOINT',
  logoutRedirectParameter: 'ADMIN_SIGN_IN_LOGOUT_REDIRECT_PARAMETER',
} as const;

export function signInConfigFromEnv(env: Readonly<Record<string, string | undefined>>): SignInConfig {
  const read = (key: keyof typeof SIGN_IN_ENV) => env[SIGN_IN_ENV[key]] || null;
  const issuer = read('issuer');
  if (!issuer) return { mode: 'none' };
  const required = (key: keyof typeof SIGN_IN_ENV): string => {
    const value = read(key);
    if (!value) throw new Error(`${SIGN_IN_ENV[key]} must be set when ${SIGN_IN_ENV.issuer} is.`);
    return value;
  };
  return {
    mode: 'oidc',
    issuer,
    clientId: required('clientId'),
    scope: SIGN_IN_SCOPE,
    authorizationEndpoint: required('authorizationEndpoint'),
    tokenEndpoint: required('tokenEndpoint'),
    revocationEndpoint: read('revocationEndpoint'),
    logoutEndpoint: required('logoutEndpoint'),
    logoutRedirectParameter:
      read('logoutRedirectParameter') === 'post_logout_redirect_uri' ? 'post_logout_redirect_uri' : 'logout_uri',
  };
}

/** The only other origin the page may talk to: the one that issues tokens (CSP `connect-src`). */
export function signInOrigin(config: SignInConfig): string | null {
  return config.mode === 'oidc' ? new URL(config.tokenEndpoint).origin : null;
}
