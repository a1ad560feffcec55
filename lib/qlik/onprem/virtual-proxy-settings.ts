/**
 * What the `kpimailer` virtual proxy must look like, and which of its fields drifted. Pure functions: the
 * QRS calls live in virtual-proxy.ts.
 */
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import {
  ANONYMOUS_ACCESS_NONE,
  AUTHENTICATION_METHOD_HEADER_STATIC,
  HEADER_AUTHENTICATION_MODE_STATIC,
  type QrsServerNodeConfiguration,
  type QrsVirtualProxyConfig,
  type QrsVirtualProxyFields,
} from '#lib/qlik/onprem/qrs-types.ts';

/** The header KPImailer's own sessions name their user in (header authentication accepts US-ASCII only). */
export const AUTH_HEADER_NAME = 'X-KPImailer-User';
/** Unique per site by Qlik's rules; no other virtual proxy uses a name with our prefix in it. */
export const SESSION_COOKIE_HEADER_NAME = 'X-Qlik-Session-kpimailer';

/** A provisioning problem the admin must fix on the Qlik side; its message says how. */
export class VirtualProxyError extends Error {
  override readonly name = 'VirtualProxyError';
}

export interface DesiredVirtualProxy {
  /** The body of a create: every field we manage plus Qlik's required ones. */
  entity: QrsVirtualProxyFields;
  engineNodeIds: string[];
  /** The Server URL's host, which must be on the host allow list. */
  allowedHost: string;
}

/** The fields drift is checked on, in the order they are reported. */
export type ManagedField =
  | 'authenticationMethod'
  | 'headerAuthenticationMode'
  | 'headerAuthenticationHeaderName'
  | 'headerAuthenticationStaticUserDirectory'
  | 'anonymousAccessMode'
  | 'loadBalancingServerNodes'
  | 'websocketCrossOriginWhiteList'
  | 'sessionCookieHeaderName';

export function desiredVirtualProxy(
  connection: OnPremConnection,
  engineNodes: QrsServerNodeConfiguration[],
  prefix: string,
): DesiredVirtualProxy {
  const allowedHost = new URL(connection.url).hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    engineNodeIds: engineNodes.map((n) => n.id),
    allowedHost,
    entity: {
      prefix,
      description:
        'KPImailer service sessions. Managed by KPImailer: its connection test resets authentication, load balancing and the host allow list.',
      sessionCookieHeaderName: SESSION_COOKIE_HEADER_NAME,
      sessionInactivityTimeout: 30,
      defaultVirtualProxy: false,
      // Both fields are set consistently: which of the two the proxy honours for header auth is not documented.
      authenticationMethod: AUTHENTICATION_METHOD_HEADER_STATIC,
      headerAuthenticationMode: HEADER_AUTHENTICATION_MODE_STATIC,
      headerAuthenticationHeaderName: AUTH_HEADER_NAME,
      headerAuthenticationStaticUserDirectory: connection.userDirectory,
      anonymousAccessMode: ANONYMOUS_ACCESS_NONE,
      loadBalancingServerNodes: engineNodes.map((n) => ({ id: n.id })),
      websocketCrossOriginWhiteList: [allowedHost],
    },
  };
}

const sameText = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

/** Fields whose current value differs from what KPImailer needs. */
export function driftedFields(current: QrsVirtualProxyConfig, desired: DesiredVirtualProxy): ManagedField[] {
  const want = desired.entity;
  const drift: ManagedField[] = [];
  if (current.authenticationMethod !== want.authenticationMethod) drift.push('authenticationMethod');
  if (current.headerAuthenticationMode !== want.headerAuthenticationMode) drift.push('headerAuthenticationMode');
  // Header names and user directory names compare case-insensitively, as HTTP and Qlik do.
  if (!sameText(current.headerAuthenticationHeaderName, want.headerAuthenticationHeaderName)) drift.push('headerAuthenticationHeaderName');
  if (!sameText(current.headerAuthenticationStaticUserDirectory, want.headerAuthenticationStaticUserDirectory)) {
    drift.push('headerAuthenticationStaticUserDirectory');
  }
  if ((current.anonymousAccessMode ?? ANONYMOUS_ACCESS_NONE) !== ANONYMOUS_ACCESS_NONE) drift.push('anonymousAccessMode');
  const nodeIds = new Set((current.loadBalancingServerNodes ?? []).map((n) => n.id));
  if (nodeIds.size !== desired.engineNodeIds.length || desired.engineNodeIds.some((id) => !nodeIds.has(id))) {
    drift.push('loadBalancingServerNodes');
  }
  if (!(current.websocketCrossOriginWhiteList ?? []).some((h) => sameText(h, desired.allowedHost))) drift.push('websocketCrossOriginWhiteList');
  // Any unique name works; changing a working one would only end live sessions, so only a blank one drifts.
  if (!current.sessionCookieHeaderName) drift.push('sessionCookieHeaderName');
  return drift;
}

/** The whole current entity (id and modifiedDate included, as QRS requires) with the drifted fields set. */
export function withDesired(current: QrsVirtualProxyConfig, desired: DesiredVirtualProxy, fields: ManagedField[]): QrsVirtualProxyConfig {
  const next: QrsVirtualProxyConfig = { ...current };
  for (const field of fields) {
    if (field === 'websocketCrossOriginWhiteList') {
      // Keep the admin's other hosts; only ours is added.
      next.websocketCrossOriginWhiteList = [...(current.websocketCrossOriginWhiteList ?? []), desired.allowedHost];
    } else {
      (next as Record<string, unknown>)[field] = desired.entity[field];
    }
  }
  return next;
}
