/**
 * What the `kpimailer` virtual proxy must look like, and which of its fields drifted. Pure functions: the
 * QRS calls live in virtual-proxy.ts.
 */
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import {
  ANONYMOUS_ACCESS_NONE,
  AUTHENTICATION_METHOD_NAMES,
  AUTHENTICATION_METHOD_TICKET,
  type QrsServerNodeConfiguration,
  type QrsVirtualProxyConfig,
  type QrsVirtualProxyFields,
} from '#lib/qlik/onprem/qrs-types.ts';
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
        'KPImailer service sessions (ticket authentication: only holders of the site client certificate get tickets). Managed by KPImailer: its connection test resets the authentication and the host allow list.',
      sessionCookieHeaderName: SESSION_COOKIE_HEADER_NAME,
      sessionInactivityTimeout: 30,
      defaultVirtualProxy: false,
      // Ticket: a session only for whoever holds a ticket from the Proxy Service API, which needs the site's
      // client certificate. Header authentication would let anyone who reaches the proxy in as anyone.
      authenticationMethod: AUTHENTICATION_METHOD_TICKET,
      anonymousAccessMode: ANONYMOUS_ACCESS_NONE,
      loadBalancingServerNodes: engineNodes.map((n) => ({ id: n.id })),
      websocketCrossOriginWhiteList: [allowedHost],
    },
  };
}

const sameText = (a: unknown, b: unknown) =>
  typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

/** Fields whose current value differs from what KPImailer needs. */
export function driftedFields(current: QrsVirtualProxyConfig, desired: DesiredVirtualProxy): ManagedField[] {
  const want = desired.entity;
  const drift: ManagedField[] = [];
  // QRS leaves out a 0 it never changed; a missing method is Ticket, Qlik's default.
  if ((current.authenticationMethod ?? AUTHENTICATION_METHOD_TICKET) !== want.authenticationMethod)
    drift.push('authenticationMethod');
  if ((current.anonymousAccessMode ?? ANONYMOUS_ACCESS_NONE) !== ANONYMOUS_ACCESS_NONE)
    drift.push('anonymousAccessMode');
  // Set on create; afterwards an admin may choose the nodes deliberately, so only an empty list (no engine to
  // send sessions to) is drift.
  if ((current.loadBalancingServerNodes ?? []).length === 0) drift.push('loadBalancingServerNodes');
  if (!(current.websocketCrossOriginWhiteList ?? []).some((h) => sameText(h, desired.allowedHost)))
    drift.push('websocketCrossOriginWhiteList');
  // Any unique name works; changing a working one would only end live sessions, so only a blank one drifts.
  if (!current.sessionCookieHeaderName) drift.push('sessionCookieHeaderName');
  return drift;
}

/** The whole current entity (id and modifiedDate included, as QRS requires) with the drifted fields set. */
export function withDesired(
  current: QrsVirtualProxyConfig,
  desired: DesiredVirtualProxy,
  fields: ManagedField[],
): QrsVirtualProxyConfig {
  const next: QrsVirtualProxyConfig = { ...current };
  for (const field of fields) {
    if (field === 'websocketCrossOriginWhiteList') {
      // Keep the admin's other hosts; only ours is added.
      next.websocketCrossOriginWhiteList = [...(current.websocketCrossOriginWhiteList ?? []), desired.allowedHost];
    } else if (field === 'authenticationMethod') {
      next.authenticationMethod = desired.entity.authenticationMethod;
      // No header-authentication settings stay behind on a ticket proxy, so switching the method back in the
      // QMC does not silently reopen the old door. (Spec defaults: mode 0, empty strings.)
      next.headerAuthenticationMode = 0;
      next.headerAuthenticationHeaderName = '';
      next.headerAuthenticationStaticUserDirectory = '';
      next.headerAuthenticationDynamicUserDirectory = '';
    } else {
      (next as Record<string, unknown>)[field] = desired.entity[field];
    }
  }
  return next;
}

/** What an adjustment changed, in words: `authentication changed from header to ticket`, `load balancing set`. */
export function describeDrift(current: QrsVirtualProxyConfig, fields: ManagedField[]): string[] {
  return fields.map((field) => {
    switch (field) {
      case 'authenticationMethod': {
        const from =
          AUTHENTICATION_METHOD_NAMES[current.authenticationMethod ?? AUTHENTICATION_METHOD_TICKET] ??
          `method ${current.authenticationMethod}`;
        return `authentication changed from ${from} to ticket`;
      }
      case 'anonymousAccessMode':
        return 'anonymous access turned off';
      case 'loadBalancingServerNodes':
        return 'load balancing set to the engine nodes';
      case 'websocketCrossOriginWhiteList':
        return 'Server URL host added to the host allow list';
      case 'sessionCookieHeaderName':
        return 'session cookie header name set';
    }
  });
}
