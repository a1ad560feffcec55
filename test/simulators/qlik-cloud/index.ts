/** The Qlik Cloud simulator's public surface for tests, benchmarks and the local demo. */
export {
  startQlikCloudSimulator,
  type QlikCloudSimulator,
  type SimulatedRequest,
  type SimulatorOptions,
} from '#test/simulators/qlik-cloud/server.ts';
export {
  QlikCloudState,
  DEFAULT_SCOPES,
  type ClientOptions,
  type SimFaults,
} from '#test/simulators/qlik-cloud/state.ts';
export {
  QLIK_CLOUD_ROUTES,
  tierOfRoute,
  type SimRoute,
  type SimRequest,
  type SimResponse,
  type SimTier,
} from '#test/simulators/qlik-cloud/routes.ts';
export { SimHttpError } from '#test/simulators/qlik-cloud/sim-errors.ts';
export { InMemoryWebhookPort, TEST_WEBHOOK_URL } from '#test/simulators/qlik-cloud/in-memory-webhook-port.ts';
export {
  TenantApps,
  type SimApp,
  type SimSpace,
  type TenantAppsOptions,
  type CloudAppChange,
} from '#test/simulators/qlik-cloud/items.ts';
export {
  traceRateLimits,
  type RateLimitTrace,
  type TracedRequest,
  type RetryAfterWindow,
} from '#test/simulators/qlik-cloud/rate-limit-trace.ts';
export { SimReports, reportRoutes, type ReportFailure } from '#test/simulators/qlik-cloud/reports.ts';
