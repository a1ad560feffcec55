/**
 * The local OIDC mode's token check, which must refuse what API Gateway's JWT authorizer refuses. Keys and tokens
 * are made here with jose; no network.
 */
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidAccessTokenError,
  createAccessTokenVerifier,
  type AccessTokenVerifier,
} from '#lib/auth/access-token-verifier.ts';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example';
const CLIENT_ID = 'admin-page-client';

let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let verify: AccessTokenVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  strangerKey = stranger.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  verify = createAccessTokenVerifier({ issuer: ISSUER, clientId: CLIENT_ID, keys: createLocalJWKSet({ keys: [jwk] }) });
});

const now = () => Math.floor(Date.now() / 1000);
const accessClaims = (): JWTPayload => ({
  sub: 'admin-sub',
  token_use: 'access',
  client_id: CLIENT_ID,
  username: 'admin',
  scope: 'openid email',
  iss: ISSUER,
  iat: now(),
  exp: now() + 3600,
});

async function token(claims: JWTPayload, key: CryptoKey = signingKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key);
}

describe('access token verification (local OIDC mode, as API Gateway)', () => {
  it('accepts a valid access token and hands on its claims and scopes', async () => {
    const verified = await verify(`Bearer ${await token(accessClaims())}`);
    expect(verified.claims).toMatchObject({ sub: 'admin-sub', username: 'admin', client_id: CLIENT_ID });
    expect(verified.scopes).toEqual(['openid', 'email']);
  });

  const refused: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    [
      'a token from another issuer',
      async () =>
        `Bearer ${await token({ ...accessClaims(), iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' })}`,
    ],
    [
      'a token for another client',
      async () => `Bearer ${await token({ ...accessClaims(), client_id: 'someone-else' })}`,
    ],
    [
      'an expired token',
      async () => `Bearer ${await token({ ...accessClaims(), iat: now() - 7200, exp: now() - 60 })}`,
    ],
    ['a token not valid yet', async () => `Bearer ${await token({ ...accessClaims(), nbf: now() + 600 })}`],
    [
      'an ID token instead of an access token',
      async () =>
        `Bearer ${await token({ sub: 'admin-sub', token_use: 'id', aud: CLIENT_ID, email: 'a@example.com', iss: ISSUER, iat: now(), exp: now() + 3600 })}`,
    ],
    ['a token signed with another key', async () => `Bearer ${await token(accessClaims(), strangerKey)}`],
    [
      'a token whose payload was altered after signing',
      async () => {
        const [header, , signature] = (await token(accessClaims())).split('.');
        const payload = Buffer.from(JSON.stringify({ ...accessClaims(), sub: 'intruder' })).toString('base64url');
        return `Bearer ${header}.${payload}.${signature}`;
      },
    ],
    [
      'an unsigned token',
      async () => {
        const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
        return `Bearer ${header}.${Buffer.from(JSON.stringify(accessClaims())).toString('base64url')}.`;
      },
    ],
  ];

  for (const [what, header] of refused) {
    it(`refuses ${what}`, async () => {
      await expect(verify(await header())).rejects.toBeInstanceOf(InvalidAccessTokenError);
    });
  }
});
