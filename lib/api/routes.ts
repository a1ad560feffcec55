/**
 * Which function serves which HTTP route: the one table the CDK stack (API Gateway routes and the webhook
 * receiver's function URL), the local runtime (`npm start`) and the OpenAPI document read, and that the routed
 * handlers name their routes by (`ApiRoute.route`). test/unit/api/routes.test.ts fails when a handler serves a
 * route this table lacks, or the reverse.
 *
 * To add a route: add a line here, serve it in its function (an `ApiRoute` with `route: '<METHOD> <path>'`), and
 * describe it in lib/api/openapi.ts (the compiler asks for it). A new function also needs
 * `functions/<name>/handler.ts`, its `ServiceFunction` in the stack and its line in lib/local/local-routes.ts (the
 * compiler asks for both).
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRouteSpec {
  readonly method: HttpMethod;
  /** API Gateway's path syntax: `{name}` is one segment, `{name+}` the rest of the path. */
  readonly path: string;
  /** The folder under `functions/` whose handler serves the route. */
  readonly function: string;
  /**
   * `admin`: API Gateway route behind the Cognito JWT authorizer (the API's default).
   * `public`: API Gateway route without an authorizer (the page shell and its static assets only).
   * `qlik-signature`: the function's own URL with auth NONE; the handler checks Qlik's HMAC signature.
   */
  readonly auth: 'admin' | 'public' | 'qlik-signature';
}

export const HTTP_ROUTES = [
  { method: 'GET', path: '/api/openapi.json', function: 'settings-api', auth: 'admin' },
  { method: 'GET', path: '/api/servers', function: 'settings-api', auth: 'admin' },
  { method: 'GET', path: '/api/servers/{id}', function: 'settings-api', auth: 'admin' },
  { method: 'PUT', path: '/api/servers/{id}', function: 'settings-api', auth: 'admin' },
  { method: 'DELETE', path: '/api/servers/{id}', function: 'settings-api', auth: 'admin' },
  { method: 'POST', path: '/api/servers/{id}/test', function: 'test-connection', auth: 'admin' },
  { method: 'POST', path: '/api/servers/{id}/sync', function: 'settings-api', auth: 'admin' },
  { method: 'GET', path: '/api/servers/{id}/apps', function: 'settings-api', auth: 'admin' },
  { method: 'GET', path: '/api/servers/{id}/reloads', function: 'settings-api', auth: 'admin' },
  { method: 'GET', path: '/api/audit', function: 'settings-api', auth: 'admin' },
  { method: 'POST', path: '/api/servers/{id}/executions', function: 'settings-api', auth: 'admin' },
  { method: 'GET', path: '/api/executions/{executionId}', function: 'settings-api', auth: 'admin' },
  { method: 'GET', path: '/api/executions/{executionId}/result', function: 'settings-api', auth: 'admin' },
  { method: 'GET', path: '/', function: 'admin-ui', auth: 'public' },
  { method: 'GET', path: '/assets/{proxy+}', function: 'admin-ui', auth: 'public' },
  { method: 'GET', path: '/config.json', function: 'admin-ui', auth: 'public' },
  { method: 'POST', path: '/webhooks/qlik-cloud', function: 'webhook-receiver', auth: 'qlik-signature' },
] as const satisfies readonly HttpRouteSpec[];

type Route = (typeof HTTP_ROUTES)[number];

/** `'<METHOD> <path>'`, API Gateway's route key, e.g. `'GET /api/servers/{id}'`. */
export type RouteKey = KeyOf<Route>;
// Distributes over the table's lines, so each method stays paired with its own path.
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string } ? `${M} ${P}` : never;
/** A function that serves HTTP routes. */
export type HttpFunctionName = Route['function'];

export const routeKey = (route: Pick<HttpRouteSpec, 'method' | 'path'>) => `${route.method} ${route.path}` as RouteKey;

export function routesOf(functionName: HttpFunctionName): readonly Route[] {
  return HTTP_ROUTES.filter((route) => route.function === functionName);
}

/** The path Qlik Cloud posts reload events to (after the function URL in AWS, after the public URL locally). */
export const WEBHOOK_RECEIVER_PATH = HTTP_ROUTES.find((route) => route.function === 'webhook-receiver')!.path;
