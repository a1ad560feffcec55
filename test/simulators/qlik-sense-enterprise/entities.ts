/**
 * Builders for QRS entities with every property the Repository API spec lists for them (so the spec
 * conformance test can hold the simulator to the real shapes), plus the condensed views QRS embeds in other
 * entities. Defaults follow the spec's `default`s and what a fresh Qlik Sense site shows.
 */
import { randomUUID } from 'node:crypto';

export type Entity = Record<string, unknown> & { id: string; modifiedDate: string };

export const SYSTEM_USER = 'INTERNAL\\sa_repository';

const pick = (entity: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.map((k) => [k, entity[k]]));

function meta(now: string, schemaPath: string, id: string = randomUUID()) {
  return { id, createdDate: now, modifiedDate: now, modifiedByUserName: SYSTEM_USER, schemaPath };
}

export function newUser(
  now: string,
  init: Record<string, unknown> & { userDirectory: string; userId: string },
): Entity {
  return {
    ...meta(now, 'User'),
    privileges: [],
    customProperties: [],
    userDirectoryConnectorName: init.userDirectory,
    name: init.userId,
    roles: [],
    attributes: [],
    inactive: false,
    removedExternally: false,
    blacklisted: false,
    deleteProhibited: false,
    tags: [],
    favorites: [],
    ...init,
  };
}
export const USER_CONDENSED = [
  'id',
  'privileges',
  'userId',
  'userDirectory',
  'userDirectoryConnectorName',
  'name',
] as const;
export const userCondensed = (user: Entity) => pick(user, USER_CONDENSED);

export function newServerNode(now: string, init: Record<string, unknown> & { name: string }): Entity {
  return {
    ...meta(now, 'ServerNodeConfiguration'),
    privileges: [],
    customProperties: [],
    hostName: init.name,
    isCentral: false,
    nodePurpose: 0,
    engineEnabled: true,
    proxyEnabled: true,
    printingEnabled: true,
    schedulerEnabled: true,
    tags: [],
    temporaryfilepath: 'C:\\Windows\\TEMP\\',
    roles: [],
    serviceCluster: { id: SERVICE_CLUSTER_ID, privileges: [], name: 'ServiceCluster' },
    failoverCandidate: false,
    ...init,
  };
}
const SERVICE_CLUSTER_ID = randomUUID();
export const NODE_CONDENSED = [
  'id',
  'privileges',
  'name',
  'hostName',
  'temporaryfilepath',
  'roles',
  'serviceCluster',
] as const;
export const serverNodeCondensed = (node: Entity) => pick(node, NODE_CONDENSED);

/** Every VirtualProxyConfig property with its default; what QRS fills in for properties a POST/PUT leaves out. */
export function virtualProxyDefaults(): Record<string, unknown> {
  return {
    privileges: [],
    customProperties: [],
    prefix: '',
    description: '',
    authenticationModuleRedirectUri: '',
    sessionModuleBaseUri: '',
    loadBalancingModuleBaseUri: '',
    useStickyLoadBalancing: false,
    loadBalancingServerNodes: [],
    authenticationMethod: 0,
    headerAuthenticationMode: 0,
    headerAuthenticationHeaderName: '',
    headerAuthenticationStaticUserDirectory: '',
    headerAuthenticationDynamicUserDirectory: '',
    anonymousAccessMode: 0,
    windowsAuthenticationEnabledDevicePattern: 'Windows',
    sessionCookieHeaderName: '',
    sessionCookieDomain: '',
    hasSecureAttributeHttps: true,
    sameSiteAttributeHttps: 2,
    hasSecureAttributeHttp: false,
    sameSiteAttributeHttp: 0,
    additionalResponseHeaders: '',
    sessionInactivityTimeout: 30,
    extendedSecurityEnvironment: false,
    websocketCrossOriginWhiteList: [],
    defaultVirtualProxy: false,
    tags: [],
    samlMetadataIdP: '',
    samlHostUri: '',
    samlEntityId: '',
    samlAttributeUserId: '',
    samlAttributeUserDirectory: '',
    samlAttributeSigningAlgorithm: 0,
    samlAttributeMap: [],
    jwtAttributeUserId: '',
    jwtAttributeUserDirectory: '',
    jwtAudience: '',
    jwtPublicKeyCertificate: '',
    jwtAttributeMap: [],
    magicLinkHostUri: '',
    magicLinkFriendlyName: '',
    samlSlo: false,
    disableOidcOptionalAttributesParsing: false,
    oidcConfigurationEndpointUri: '',
    oidcClientId: '',
    oidcClientSecret: '',
    oidcRealm: '',
    oidcAttributeSub: '',
    oidcAttributeName: '',
    oidcAttributeGroups: '',
    oidcAttributeEmail: '',
    oidcAttributeClientId: '',
    oidcAttributePicture: '',
    oidcScope: '',
    oidcAttributeMap: [],
  };
}

/** Stored with `loadBalancingServerNodes` as `{ id }` references; rendering expands them. */
export function newVirtualProxy(now: string, init: Record<string, unknown>, id?: string): Entity {
  return { ...meta(now, 'VirtualProxyConfig', id), ...virtualProxyDefaults(), ...init } as Entity;
}
const VP_FULL_ONLY = new Set(['createdDate', 'modifiedDate', 'modifiedByUserName', 'schemaPath', 'customProperties']);
export const virtualProxyCondensed = (vp: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(vp).filter(([k]) => !VP_FULL_ONLY.has(k)));

/** Stored with `settings.virtualProxies` as `{ id }` references and `serverNodeConfiguration` as `{ id }`. */
export function newProxyService(now: string, nodeId: string): Entity {
  const settingsMeta = meta(now, 'ProxyService.Settings');
  return {
    ...meta(now, 'ProxyService'),
    privileges: [],
    customProperties: [],
    settings: {
      ...settingsMeta,
      listenPort: 443,
      allowHttp: false,
      unencryptedListenPort: 80,
      authenticationListenPort: 4244,
      kerberosAuthentication: false,
      unencryptedAuthenticationListenPort: 4248,
      sslBrowserCertificateThumbprint: '',
      keepAliveTimeoutSeconds: 10,
      maxHeaderSizeBytes: 16384,
      maxHeaderLines: 100,
      logVerbosity: {
        ...meta(now, 'ProxyService.Settings.LogVerbosity'),
        logVerbosityAuditActivity: 4,
        logVerbosityAuditSecurity: 4,
        logVerbosityService: 4,
        logVerbosityAudit: 4,
        logVerbosityPerformance: 4,
        logVerbositySecurity: 4,
        logVerbositySystem: 4,
      },
      useWsTrace: false,
      performanceLoggingInterval: 5,
      restListenPort: 4243,
      virtualProxies: [],
      formAuthenticationPageTemplate: '',
      loggedOutPageTemplate: '',
      errorPageTemplate: '',
    },
    serverNodeConfiguration: { id: nodeId },
    tags: [],
  };
}

export function newStream(
  now: string,
  init: Record<string, unknown> & { name: string; owner: Record<string, unknown> },
): Entity {
  return { ...meta(now, 'Stream'), privileges: [], customProperties: [], tags: [], ...init };
}
export const streamCondensed = (stream: Entity) => pick(stream, ['id', 'privileges', 'name']);

/** Qlik's "never" date, used for unset times. */
export const NEVER = '1753-01-01T00:00:00.000Z';

export function newApp(
  now: string,
  init: Record<string, unknown> & { name: string; owner: Record<string, unknown> },
): Entity {
  const id = (init.id as string | undefined) ?? randomUUID();
  return {
    ...meta(now, 'App', id),
    privileges: [],
    customProperties: [],
    appId: '',
    sourceAppId: '00000000-0000-0000-0000-000000000000',
    targetAppId: '00000000-0000-0000-0000-000000000000',
    publishTime: NEVER,
    published: false,
    tags: [],
    description: '',
    stream: null,
    fileSize: 1024,
    lastReloadTime: NEVER,
    thumbnail: '',
    savedInProductVersion: '14.78.4',
    migrationHash: '',
    dynamicColor: '',
    availabilityStatus: 1,
    lastDataDistribution: NEVER,
    ...init,
  };
}
export const APP_CONDENSED = [
  'id',
  'privileges',
  'name',
  'appId',
  'publishTime',
  'published',
  'stream',
  'savedInProductVersion',
  'migrationHash',
  'availabilityStatus',
] as const;

export function newExecutionResult(
  now: string,
  init: Record<string, unknown> & { taskID: string; appID: string; status: number },
): Entity {
  return {
    ...meta(now, 'ExecutionResult'),
    privileges: [],
    executionID: randomUUID(),
    executingNodeID: '00000000-0000-0000-0000-000000000000',
    executingNodeName: '',
    startTime: now,
    stopTime: NEVER,
    duration: 0,
    fileReferenceID: '00000000-0000-0000-0000-000000000000',
    scriptLogAvailable: false,
    details: [],
    scriptLogLocation: '',
    scriptLogSize: 0,
    ...init,
  };
}
export const EXECUTION_RESULT_CONDENSED = [
  'id',
  'privileges',
  'executingNodeName',
  'status',
  'startTime',
  'stopTime',
  'duration',
  'fileReferenceID',
  'scriptLogAvailable',
  'details',
  'scriptLogLocation',
  'scriptLogSize',
] as const;

/** Stored with `app` as `{ id }`; `operational.lastExecutionResult` is derived from the execution results. */
export function newReloadTask(now: string, init: Record<string, unknown> & { name: string; appId: string }): Entity {
  const { appId, ...rest } = init;
  return {
    ...meta(now, 'ReloadTask'),
    privileges: [],
    customProperties: [],
    taskType: 0,
    enabled: true,
    taskSessionTimeout: 1440,
    maxRetries: 0,
    tags: [],
    app: { id: appId },
    isManuallyTriggered: false,
    isPartialReload: false,
    ...rest,
  };
}

/** ReloadTaskCondensed: the properties the spec lists for the condensed list. */
const RELOAD_TASK_CONDENSED = [
  'id',
  'privileges',
  'name',
  'taskType',
  'enabled',
  'taskSessionTimeout',
  'maxRetries',
  'operational',
] as const;
export const reloadTaskCondensed = (task: Record<string, unknown>) =>
  Object.fromEntries(RELOAD_TASK_CONDENSED.map((k) => [k, task[k]]));
