/**
 * The parts of the QRS entities this service reads or writes, as the Repository API spec describes them
 * (`About`, `User`, `VirtualProxyConfig`, `ProxyService`, `ServerNodeConfiguration`). Only the fields the code
 * uses are typed; everything else is carried through untouched, because QRS PUTs must send the whole entity
 * (properties left out are reset to their defaults).
 */

/** What every stored QRS entity carries; `modifiedDate` is the optimistic-concurrency token for PUTs. */
export interface QrsEntity {
  id: string;
  createdDate?: string;
  modifiedDate?: string;
  [property: string]: unknown;
}

export interface QrsAbout {
  buildVersion: string;
  buildDate: string;
  databaseProvider: string;
  /** 0 Undefined, 1 Central, 2 Rim */
  nodeType: number;
  sharedPersistence: boolean;
  requiresBootstrap: boolean;
  singleNodeOnly: boolean;
  schemaPath?: string;
}

export interface QrsUser extends QrsEntity {
  userId: string;
  userDirectory: string;
  name?: string;
  roles?: string[];
  inactive?: boolean;
  removedExternally: boolean;
  blacklisted: boolean;
}

export interface QrsServerNodeCondensed {
  id: string;
  name?: string;
  hostName?: string;
  [property: string]: unknown;
}

export interface QrsServerNodeConfiguration extends QrsEntity {
  name: string;
  hostName: string;
  isCentral?: boolean;
  engineEnabled?: boolean;
  proxyEnabled?: boolean;
}

/** Spec enum `authenticationMethod`: 0 = Ticket. */
export const AUTHENTICATION_METHOD_TICKET = 0;
/** Spec enum `authenticationMethod` (x-enumNames: Ticket, HeaderStaticUserDirectory, HeaderDynamicUserDirectory, SAML, JWT, OIDC), as admins read them. */
export const AUTHENTICATION_METHOD_NAMES: Readonly<Record<number, string>> = {
  0: 'ticket',
  1: 'header',
  2: 'header',
  3: 'SAML',
  4: 'JWT',
  5: 'OIDC',
};
/** Spec enum `anonymousAccessMode`: 0 = NoAnonymousUser. */
export const ANONYMOUS_ACCESS_NONE = 0;

/** The virtual proxy fields this service sets (the body of a create has no id yet). */
export interface QrsVirtualProxyFields {
  prefix: string;
  description?: string;
  sessionCookieHeaderName: string;
  sessionInactivityTimeout: number;
  defaultVirtualProxy: boolean;
  authenticationMethod?: number;
  headerAuthenticationMode?: number;
  headerAuthenticationHeaderName?: string;
  headerAuthenticationStaticUserDirectory?: string;
  headerAuthenticationDynamicUserDirectory?: string;
  anonymousAccessMode?: number;
  loadBalancingServerNodes?: QrsServerNodeCondensed[];
  websocketCrossOriginWhiteList?: string[];
}

export interface QrsVirtualProxyConfig extends QrsEntity, QrsVirtualProxyFields {}

/** A reference to a virtual proxy inside a proxy service's settings; QRS accepts `{ id }` alone on a PUT. */
export interface QrsVirtualProxyRef {
  id: string;
  prefix?: string;
  [property: string]: unknown;
}

export interface QrsProxyService extends QrsEntity {
  settings: {
    listenPort?: number;
    virtualProxies?: QrsVirtualProxyRef[];
    [property: string]: unknown;
  };
  serverNodeConfiguration: QrsServerNodeCondensed;
}
