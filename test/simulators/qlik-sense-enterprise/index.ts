/** The Qlik Sense Enterprise simulator: start it, seed `state`, switch `faults`, read `requests`. */
export {
  startQlikSenseSimulator,
  XSRF_MESSAGE,
  type QlikSenseSimulator,
  type RequestLogEntry,
  type SimulatorOptions,
} from './server.ts';
export { QlikSenseState, DEFAULT_SERVICE_ACCOUNT, type SiteSeed, type UserSeed } from './state.ts';
export { SimulatorFaults, type PathFailure } from './faults.ts';
export { startSilentServer, closedPort } from './network-faults.ts';
export { SiteApps, type AppChange, type GeneratedAppsOptions } from './apps.ts';
export { ProxyServiceState, TICKET_LIFETIME_MS, type ProxySession, type ServedVirtualProxy } from './proxy-state.ts';
export type { SimulatedProxyService, ProxyRequestLogEntry, EngineUpgradeHandler } from './proxy-service.ts';
export { EngineSite, generatedTable, type EngineApp, type EngineObject, type EngineTable } from './engine-model.ts';
export { MAX_PAGE_CELLS } from './engine-service.ts';
