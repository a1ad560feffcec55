/**
 * The audit context of an HTTP request: the actor from the JWT claims API Gateway's authorizer verified (the local
 * runtime's OIDC mode puts them in the same place), or the local administrator when nobody signed in; API Gateway's
 * request id; the caller's source IP.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LOCAL_ADMINISTRATOR, type AuditActor, type AuditContext } from '#lib/audit/audit-log.ts';

type Claims = Record<string, string | number | boolean | string[] | undefined>;

function claimsOf(event: APIGatewayProxyEventV2): Claims | null {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Claims } } }).authorizer;
  return authorizer?.jwt?.claims ?? null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** A Cognito access token names the user by `username` (and `email` once the pre-token trigger adds it). */
export function actorOf(claims: Claims | null): AuditActor {
  const sub = text(claims?.sub);
  if (!claims || !sub) return LOCAL_ADMINISTRATOR;
  return { sub, name: text(claims.email) ?? text(claims.username) ?? text(claims['cognito:username']) ?? sub };
}

export function auditContextOf(event: APIGatewayProxyEventV2): AuditContext {
  return {
    actor: actorOf(claimsOf(event)),
    requestId: event.requestContext?.requestId ?? 'unknown',
    sourceIp: event.requestContext?.http?.sourceIp ?? null,
  };
}
