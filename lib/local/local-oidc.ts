/**
 * The local runtime's opt-in OIDC mode (`KPIMAILER_OIDC_ISSUER`, `KPIMAILER_OIDC_CLIENT_ID`): reads the issuer's
 * discovery document once, as API Gateway's JWT authorizer does, then verifies every `/api` request's access token
 * the same way (lib/auth/access-token-verifier.ts) and tells the admin page where to sign in.
 */
import { createRemoteJWKSet } from 'jose';
import { SIGN_IN_ENV } from '#lib/admin-ui/sign-in-config.ts';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '#lib/auth/access-token-verifier.ts';

export interface LocalOidc {
  verify: AccessTokenVerifier;
  /** The admin page's sign-in settings, for the admin-ui handler (SIGN_IN_ENV names). */
  env: Record<string, string>;
}

interface Discovery {
  issuer?: string;
  jwks_uri?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
}

export async function startLocalOidc(options: { issuer: string; clientId: string }): Promise<LocalOidc> {
  const { issuer, clientId } = options;
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`KPIMAILER_OIDC_ISSUER: the discovery document answered HTTP ${response.status}.`);
  const discovery = (await response.json()) as Discovery;
  if (discovery.issuer !== issuer)
    throw new Error(
      `KPIMAILER_OIDC_ISSUER is "${issuer}" but its discovery document names "${discovery.issuer ?? ''}".`,
    );
  const { jwks_uri, authorization_endpoint, token_endpoint, end_session_endpoint } = discovery;
  if (!jwks_uri || !authorization_endpoint || !token_endpoint || !end_session_endpoint) {
    throw new Error(
      'KPIMAILER_OIDC_ISSUER: the discovery document lacks jwks_uri, authorization_endpoint, token_endpoint or end_session_endpoint.',
    );
  }
  return {
    verify: createAccessTokenVerifier({ issuer, clientId, keys: createRemoteJWKSet(new URL(jwks_uri)) }),
    env: {
      [SIGN_IN_ENV.issuer]: issuer,
      [SIGN_IN_ENV.clientId]: clientId,
      [SIGN_IN_ENV.authorizationEndpoint]: authorization_endpoint,
      [SIGN_IN_ENV.tokenEndpoint]: token_endpoint,
      ...(discovery.revocation_endpoint ? { [SIGN_IN_ENV.revocationEndpoint]: discovery.revocation_endpoint } : {}),
      [SIGN_IN_ENV.logoutEndpoint]: end_session_endpoint,
      // A standard OpenID Connect issuer ends the session with RP-initiated logout, not Cognito's `logout_uri`.
      [SIGN_IN_ENV.logoutRedirectParameter]: 'post_logout_redirect_uri',
    },
  };
}
