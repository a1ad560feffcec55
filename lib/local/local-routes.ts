/**
 * The local equivalent of the stack's API Gateway routes and function URL: every line of the route table
 * (lib/api/routes.ts) served by its function's handler. Handlers are imported on first use, after the runtime has
 * set the environment they read.
 */
import { join } from 'node:path';
import { HTTP_ROUTES, routeKey, type HttpFunctionName } from '#lib/api/routes.ts';
import type { HttpLambdaHandler } from '#lib/local/api-gateway-adapter.ts';

export interface LocalRoute {
  method: string;
  pattern: RegExp;
  routeKey: string;
  functionName: HttpFunctionName;
  handler: () => Promise<HttpLambdaHandler>;
}

const once = <T>(load: () => Promise<T>) => {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
};

/** API Gateway's path syntax as a pattern: `{name}` matches one segment, `{name+}` the rest of the path. */
export function pathPattern(path: string): RegExp {
  const source = path
    .replace(/[.*?^$()|[\]\\]/g, '\\$&')
    .replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy: string) => `(?<${name}>${greedy ? '.+' : '[^/]+'})`);
  return new RegExp(`^${source}$`);
}

export async function localRoutes(options: { dataDir: string }): Promise<LocalRoute[]> {
  const handlers: Record<HttpFunctionName, () => Promise<HttpLambdaHandler>> = {
    'settings-api': once(
      async () => (await import('#functions/settings-api/handler.ts')).handler as unknown as HttpLambdaHandler,
    ),
    'test-connection': once(
      async () => (await import('#functions/test-connection/handler.ts')).handler as unknown as HttpLambdaHandler,
    ),
    'webhook-receiver': once(
      async () => (await import('#functions/webhook-receiver/handler.ts')).handler as unknown as HttpLambdaHandler,
    ),
    'admin-ui': once(async () => {
      const { buildAdminUi } = await import('#lib/admin-ui/build-admin-ui.ts');
      const { createAdminUiHandler } = await import('#lib/admin-ui/admin-ui-handler.ts');
      const assetsDir = join(options.dataDir, 'admin-ui');
      await buildAdminUi(assetsDir);
      return createAdminUiHandler({ assetsDir }) as unknown as HttpLambdaHandler;
    }),
  };
  return HTTP_ROUTES.map((route) => ({
    method: route.method,
    pattern: pathPattern(route.path),
    routeKey: routeKey(route),
    functionName: route.function,
    handler: handlers[route.function],
  }));
}
