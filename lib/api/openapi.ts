/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas that validate requests, so the
 * document, the validation and the UI's forms cannot drift apart. Its paths are the `/api` routes of the route
 * table (lib/api/routes.ts); each needs its operation in OPERATIONS, or the code does not compile.
 */
import * as z from 'zod';
import { HTTP_ROUTES, routeKey, type RouteKey } from '#lib/api/routes.ts';
import { executionRequestSchema } from '#lib/executions/execution-request.ts';
import { cloudSaveSchema, cloudTestSchema, onPremSaveSchema, onPremTestSchema } from '#lib/servers/server-settings.ts';

/** A component schema: zod wraps schemas that carry an `id` in `$defs`; OpenAPI components want them inline. */
function schema(s: z.core.$ZodType): object {
  const {
    $schema: _dialect,
    $ref,
    $defs,
    ...rest
  } = z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as {
    $schema?: string;
    $ref?: string;
    $defs?: Record<string, object>;
  };
  return $ref && $defs ? $defs[$ref.split('/').pop()!]! : rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (s: object) => ({ 'application/json': { schema: s } });
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const serverId = { name: 'id', in: 'path', required: true, schema: { type: 'string', enum: ['onprem', 'cloud'] } };
const executionId = { name: 'executionId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/** The routes of the admin API (everything under `/api`; the page, its assets and the webhook are not part of it). */
type ApiRouteKey = Extract<RouteKey, `${string} /api/${string}`>;

const OPERATIONS: Record<ApiRouteKey, object> = {
  'GET /api/servers': {
    summary: 'Both servers, configured or not',
    responses: {
      200: {
        description: 'OK',
        content: jsonContent({ type: 'object', properties: { servers: { type: 'array', items: ref('ServerView') } } }),
      },
    },
  },
  'GET /api/servers/{id}': {
    summary: 'One server',
    responses: {
      200: { description: 'OK', content: jsonContent(ref('ServerView')) },
      404: problemResponse('Unknown id'),
    },
  },
  'PUT /api/servers/{id}': {
    summary: 'Save settings (a blank secret keeps the stored one)',
    requestBody: {
      required: true,
      content: jsonContent({ oneOf: [ref('OnPremSettingsDraft'), ref('CloudSettingsDraft')] }),
    },
    responses: {
      200: { description: 'Saved', content: jsonContent(ref('ServerView')) },
      400: problemResponse('Invalid; errors[] names each field'),
      409: problemResponse('Version mismatch'),
      413: problemResponse('Body over 256 KiB'),
    },
  },
  'DELETE /api/servers/{id}': {
    summary: 'Remove settings, secrets and synced apps',
    description:
      'With `cleanup=true`, first removes in Qlik what the service provisioned there (on-premise the `kpimailer` virtual proxy, Qlik Cloud the reload webhook); the audit entry lists what was removed. A Qlik failure answers 502 and deletes nothing.',
    parameters: [{ name: 'cleanup', in: 'query', schema: { type: 'boolean' } }],
    responses: {
      204: { description: 'Deleted' },
      409: problemResponse('A sync of this server is running'),
      502: problemResponse('Qlik refused the cleanup; nothing was deleted'),
    },
  },
  'POST /api/servers/{id}/test': {
    summary: 'Test a draft connection; nothing is saved but Qlik-side provisioning',
    requestBody: { content: jsonContent({ oneOf: [ref('OnPremTestDraft'), ref('CloudTestDraft')] }) },
    responses: {
      200: { description: 'Checks', content: jsonContent(ref('TestResult')) },
      400: problemResponse('Invalid draft'),
    },
  },
  'POST /api/servers/{id}/sync': {
    summary: 'Start an app catalog sync',
    responses: { 202: { description: 'Started' }, 409: problemResponse('Already running or not configured') },
  },
  'GET /api/servers/{id}/apps': {
    summary: 'Synced apps',
    parameters: [
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
      { name: 'cursor', in: 'query', schema: { type: 'string' } },
      { name: 'q', in: 'query', schema: { type: 'string' } },
    ],
    responses: { 200: { description: 'OK' } },
  },
  'GET /api/servers/{id}/reloads': {
    summary: 'Recent reload-finished events, newest first',
    parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }],
    responses: { 200: { description: 'OK' } },
  },
  'GET /api/audit': {
    summary: 'The audit trail, newest first (secrets appear only as "replaced")',
    parameters: [
      { name: 'serverId', in: 'query', schema: { type: 'string', enum: ['onprem', 'cloud'] } },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
      { name: 'cursor', in: 'query', schema: { type: 'string' } },
    ],
    responses: { 200: { description: 'OK' }, 400: problemResponse('Bad serverId, limit or cursor') },
  },
  'POST /api/servers/{id}/executions': {
    summary: 'Queue an extraction (image, pdf or data); the same executionId again never runs it twice',
    requestBody: { required: true, content: jsonContent(ref('ExecutionRequest')) },
    responses: {
      202: { description: 'Queued' },
      200: { description: 'This executionId was submitted before' },
      400: problemResponse('Invalid; errors[] names each field'),
      409: problemResponse('Server not configured'),
      422: problemResponse('A kind this server type cannot do yet'),
    },
  },
  'GET /api/executions/{executionId}': {
    summary: 'One extraction: status, attempts, error, result size',
    parameters: [executionId],
    responses: { 200: { description: 'OK' }, 404: problemResponse('Unknown execution') },
  },
  'GET /api/executions/{executionId}/result': {
    summary: 'The extraction result with its content type',
    parameters: [executionId],
    responses: {
      200: { description: 'The bytes' },
      409: problemResponse('Not succeeded (yet)'),
      404: problemResponse('Unknown or expired'),
    },
  },
  'GET /api/openapi.json': { summary: 'This document', security: [], responses: { 200: { description: 'OK' } } },
};

/** One path item per `/api` path of the route table, its `{id}` described once, one operation per method. */
function apiPaths(): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of HTTP_ROUTES) {
    if (!route.path.startsWith('/api/')) continue;
    const item = (paths[route.path] ??= route.path.includes('{id}') ? { parameters: [serverId] } : {});
    item[route.method.toLowerCase()] = OPERATIONS[routeKey(route) as ApiRouteKey];
  }
  return paths;
}

let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'KPImailer Qlik connectivity API', version: '1.0.0' },
    components: {
      securitySchemes: { cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        OnPremSettingsDraft: schema(onPremSaveSchema),
        CloudSettingsDraft: schema(cloudSaveSchema),
        OnPremTestDraft: schema(onPremTestSchema),
        CloudTestDraft: schema(cloudTestSchema),
        ExecutionRequest: schema(executionRequestSchema),
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
        Check: {
          type: 'object',
          required: ['name', 'status', 'message', 'durationMs'],
          properties: {
            name: { type: 'string' },
            status: { enum: ['passed', 'failed', 'skipped'] },
            message: { type: 'string' },
            durationMs: { type: 'integer' },
          },
        },
        TestResult: {
          type: 'object',
          required: ['ok', 'checks'],
          properties: { ok: { type: 'boolean' }, checks: { type: 'array', items: ref('Check') } },
        },
        ServerView: {
          type: 'object',
          description: 'A server as the admin sees it. Never carries a secret.',
          required: [
            'id',
            'type',
            'configured',
            'displayName',
            'url',
            'maxParallelExecutions',
            'lastTest',
            'lastSync',
            'version',
          ],
          properties: {
            id: { enum: ['onprem', 'cloud'] },
            type: { enum: ['onprem', 'cloud'] },
            configured: { type: 'boolean' },
            displayName: { type: 'string' },
            url: { type: 'string' },
            maxParallelExecutions: { type: 'integer' },
            version: { type: 'integer' },
            lastTest: { oneOf: [{ type: 'null' }, { type: 'object' }] },
            lastSync: { oneOf: [{ type: 'null' }, { type: 'object' }] },
          },
          additionalProperties: true,
        },
      },
    },
    security: [{ cognito: [] }],
    paths: apiPaths(),
  };
  return cached;
}
