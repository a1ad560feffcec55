/**
 * Verifies an admin's access token the way API Gateway's JWT authorizer does for the stack's Cognito user pool, so the
 * local runtime's OIDC mode accepts and refuses exactly what AWS would: the signature against the issuer's JWKS (found
 * through its discovery document, as API Gateway finds it: see lib/local/local-oidc.ts), `iss`, `exp`/`nbf`, the app client in `client_id` (or
 * `aud`), and `token_use` = `access` (an ID token is not a key to the API). Verification is `jose`'s, not ours.
 */
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface AccessTokenVerifierOptions {
  issuer: string;
  clientId: string;
  /** The issuer's key set (`createRemoteJWKSet` on its `jwks_uri`). */
  keys: JWTVerifyGetKey;
}

/** The claims API Gateway hands a function after a successful check (`requestContext.authorizer.jwt`). */
export interface VerifiedAccessToken {
  claims: Record<string, string>;
  scopes: string[];
}

/** Any reason a token is refused; the response says only 401, the reason goes to the log. */
export class InvalidAccessTokenError extends Error {
  override readonly name = 'InvalidAccessTokenError';
}

export type AccessTokenVerifier = (authorizationHeader: string | undefined) => Promise<VerifiedAccessToken>;

/** API Gateway passes claims as strings (arrays space-joined in brackets); so do we. */
function asGatewayClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    claims[name] = Array.isArray(value)
      ? `[${value.join(' ')}]`
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  }
  return claims;
}

/**
 * @example
 * const verify = createAccessTokenVerifier({ issuer, clientId, keys: createRemoteJWKSet(new URL(jwksUri)) });
 * const { claims } = await verify(event.headers.authorization); // throws InvalidAccessTokenError
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  return async (authorizationHeader) => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorizationHeader ?? '')?.[1];
    if (!token) throw new InvalidAccessTokenError('No bearer token in the Authorization header.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, options.keys, { issuer: options.issuer, requiredClaims: ['exp', 'sub'] }));
    } catch (cause) {
      // As with API Gateway, an issuer whose keys cannot be fetched means no token can be verified: 401, not 500.
      const reason = cause instanceof joseErrors.JOSEError ? cause.code : 'keys unavailable';
      throw new InvalidAccessTokenError(`The token failed verification (${reason}).`, { cause });
    }
    if (payload['token_use'] !== 'access')
      throw new InvalidAccessTokenError('The token is not an access token (token_use).');
    const audiences = [payload['client_id'], ...(Array.isArray(payload.aud) ? payload.aud : [payload.aud])];
    if (!audiences.includes(options.clientId))
      throw new InvalidAccessTokenError('The token was issued to another client.');
    const scope = payload['scope'];
    return {
      claims: asGatewayClaims(payload),
      scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    };
  };
}
