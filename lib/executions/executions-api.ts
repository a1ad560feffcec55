/**
 * The extraction routes of the settings API:
 *   POST /api/servers/{id}/executions            -> 202 {executionId, status} (the same executionId again: 200)
 *   GET  /api/executions/{executionId}           -> 200 ExecutionView | 404
 *   GET  /api/executions/{executionId}/result    -> the bytes with their content type | 409 before success
 */
import type { JsonEvent } from '#lib/api/http-middleware.ts';
import { json, type HttpResult } from '#lib/api/problem.ts';
import { serverIdFrom, type ApiRoute } from '#lib/api/api-handler.ts';
import type { ExecutionService } from '#lib/executions/execution-service.ts';
import { toExecutionView } from '#lib/executions/execution-types.ts';
import { logger } from '#lib/observability/logger.ts';

export function executionRoutes(service: ExecutionService): ApiRoute[] {
  const executionIdOf = (event: JsonEvent) => event.pathParameters?.executionId ?? '';
  return [
    {
      route: 'POST /api/servers/{id}/executions',
      handler: async (event: JsonEvent) => {
        const { record, created } = await service.submit(serverIdFrom(event), event.parsedBody);
        if (created)
          logger.info('Extraction queued', {
            executionId: record.executionId,
            serverId: record.serverId,
            kind: record.kind,
          });
        return json(created ? 202 : 200, { executionId: record.executionId, status: record.status });
      },
    },
    {
      route: 'GET /api/executions/{executionId}',
      handler: async (event: JsonEvent) => json(200, toExecutionView(await service.get(executionIdOf(event)))),
    },
    {
      route: 'GET /api/executions/{executionId}/result',
      handler: async (event: JsonEvent): Promise<HttpResult> => {
        const output = await service.result(executionIdOf(event));
        return {
          statusCode: 200,
          headers: {
            'content-type': output.contentType,
            'content-disposition': 'attachment',
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
          },
          body: Buffer.from(output.bytes).toString('base64'),
          isBase64Encoded: true,
        };
      },
    },
  ];
}
