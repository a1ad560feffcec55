import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiRoute } from '#lib/api/api-handler.ts';
import { openApiDocument } from '#lib/api/openapi.ts';
import { HTTP_ROUTES, routeKey, routesOf, type HttpFunctionName, type HttpRouteSpec } from '#lib/api/routes.ts';
import { resetAdapters } from '#lib/aws/adapters-from-env.ts';
import { localRoutes } from '#lib/local/local-routes.ts';

/** The routed functions and the routes their handlers serve (built from a made-up environment; nothing is called). */
const ROUTED: Partial<Record<HttpFunctionName, () => Promise<ApiRoute[]>>> = {
  'settings-api': async () => (await import('#functions/settings-api/handler.ts')).routes(),
  'test-connection': async () => (await import('#functions/test-connection/handler.ts')).routes(),
};

const keys = (routes: readonly HttpRouteSpec[]) => routes.map(routeKey).sort();

describe('the route table (lib/api/routes.ts)', () => {
  beforeAll(() => {
    for (const [name, value] of Object.entries({
      AWS_REGION: 'us-east-1',
      SERVERS_TABLE_NAME: 'servers',
      APPS_TABLE_NAME: 'apps',
      RELOAD_EVENTS_TABLE_NAME: 'reload-events',
      AUDIT_TABLE_NAME: 'audit',
      EXECUTIONS_TABLE_NAME: 'executions',
      RESULTS_DIR: '/tmp/kpimailer-results',
      EXTRACTION_QUEUE_URLS: JSON.stringify({
        onprem: 'https://sqs.example/onprem',
        cloud: 'https://sqs.example/cloud',
      }),
      EXTRACTION_DLQ_URLS: JSON.stringify({
        onprem: 'https://sqs.example/onprem-dlq',
        cloud: 'https://sqs.example/cloud-dlq',
      }),
      SECRET_NAME_PREFIX: 'kpimailer/unit',
    })) {
      vi.stubEnv(name, value);
    }
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    resetAdapters();
  });

  it('names each route once', () => {
    const all = keys(HTTP_ROUTES);
    expect(new Set(all).size).toBe(all.length);
  });

  it.each(Object.keys(ROUTED) as HttpFunctionName[])('is exactly what the %s handler serves', async (name) => {
    const served = (await ROUTED[name]!()).map((route) => route.route).sort();
    expect(served).toEqual(keys(routesOf(name)));
  });

  it('is what the local runtime serves: each path reaches its own line, with its path parameters', async () => {
    const local = await localRoutes({ dataDir: '/nonexistent' });
    for (const route of HTTP_ROUTES) {
      const samplePath = route.path.replace('{id}', 'onprem').replace('{proxy+}', 'app-1a2b.js');
      const match = local.find((candidate) => candidate.method === route.method && candidate.pattern.test(samplePath));
      expect(match?.routeKey, samplePath).toBe(routeKey(route));
      expect(match?.functionName).toBe(route.function);
    }
    expect(
      local.find((r) => r.routeKey === 'GET /assets/{proxy+}')?.pattern.exec('/assets/fonts/a.woff2')?.groups,
    ).toEqual({ proxy: 'fonts/a.woff2' });
  });

  it('is what the OpenAPI document describes under /api, operation by operation', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const described = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(described.sort()).toEqual(keys(HTTP_ROUTES.filter((route) => route.path.startsWith('/api/'))));
  });
});
