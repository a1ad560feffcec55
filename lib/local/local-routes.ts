/**
 * The local equivalent of the stack's API Gateway routes and function URL: which handler module serves which path.
 * Handlers are imported on first use, after the runtime has set the environment they read.
 */
import { join } from 'node:path';
import type { HttpLambdaHandler } from '#lib/local/api-gateway-adapter.ts';

/** Where Qlik Cloud posts reload events (the webhook receiver's function URL in AWS). */
export const WEBHOOK_ROUTE_PATH = '/webhooks/qlik-cloud';

export interface LocalRoute {
  method: string;
  pattern: RegExp;
  routeKey: string;
  functionName: string;
  handler: () => Promise<HttpLambdaHandler>;
}

const once = <T>(load: () => Promise<T>) => {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
};

export async function localRoutes(options: { dataDir: string }): Promise<LocalRoute[]> {
  const settingsApi = once(async () => (await import('#functions/settings-api/handler.ts')).handler as unknown as HttpLambdaHandler);
  const testConnection = once(async () => (await import('#functions/test-connection/handler.ts')).handler as unknown as HttpLambdaHandler);
  const webhookReceiver = once(async () => (await import('#functions/webhook-receiver/handler.ts')).handler as unknown as HttpLambdaHandler);
  const adminUi = once(async () => {
    const { buildAdminUi } = await import('#lib/admin-ui/build-admin-ui.ts');
    const { createAdminUiHandler } = await import('#functions/admin-ui/handler.ts');
    const assetsDir = join(options.dataDir, 'admin-ui');
    await buildAdminUi(assetsDir);
    return createAdminUiHandler({ assetsDir }) as unknown as HttpLambdaHandler;
  });
  const api = (method: string, path: string, functionName: string, handler: () => Promise<HttpLambdaHandler>): LocalRoute => ({
    method,
    pattern: new RegExp(`^${path.replace(/\{(\w+)\+?\}/g, (_, name: string) => `(?<${name}>[^/]+)`)}$`),
    routeKey: `${method} ${path}`,
    functionName,
    handler,
  });
  return [
    api('POST', '/api/servers/{id}/test', 'test-connection', testConnection),
    api('GET', '/api/openapi.json', 'settings-api', settingsApi),
    api('GET', '/api/servers', 'settings-api', settingsApi),
    api('GET', '/api/servers/{id}', 'settings-api', settingsApi),
    api('PUT', '/api/servers/{id}', 'settings-api', settingsApi),
    api('DELETE', '/api/servers/{id}', 'settings-api', settingsApi),
    api('GET', '/api/servers/{id}/reloads', 'settings-api', settingsApi),
    api('POST', '/api/servers/{id}/sync', 'settings-api', settingsApi),
    api('GET', '/api/servers/{id}/apps', 'settings-api', settingsApi),
    // The webhook receiver's function URL in AWS.
    api('POST', WEBHOOK_ROUTE_PATH, 'webhook-receiver', webhookReceiver),
    api('GET', '/', 'admin-ui', adminUi),
    { ...api('GET', '/assets/{proxy+}', 'admin-ui', adminUi), pattern: /^\/assets\/(?<proxy>.+)$/ },
  ];
}
