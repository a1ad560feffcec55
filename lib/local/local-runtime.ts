/**
 * The local runtime behind `npm start`: one process on 127.0.0.1 that serves the same Lambda handlers as AWS through
 * an API Gateway v2 event adapter, on an embedded DynamoDB (dynalite, persisted) and a local Secrets Manager
 * (encrypted at rest). Only endpoints differ from AWS: they reach the unchanged adapters through the SDK's
 * `AWS_ENDPOINT_URL_*` variables.
 */
import { mkdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { resetAdapters } from '#lib/aws/adapters-from-env.ts';
import { awsClientConfig } from '#lib/aws/clients.ts';
import { appsTable, auditTable, executionsTable, reloadEventsTable, serversTable } from '#lib/aws/table-definitions.ts';
import { InvalidAccessTokenError } from '#lib/auth/access-token-verifier.ts';
import {
  lambdaContext,
  toApiGatewayEvent,
  writeResult,
  type HttpLambdaHandler,
} from '#lib/local/api-gateway-adapter.ts';
import { ensureTables } from '#lib/local/ensure-tables.ts';
import { listenOnLoopback } from '#lib/local/listen-on-loopback.ts';
import { startLocalDynamoDb } from '#lib/local/local-dynamodb.ts';
import { startLocalSecretsManager } from '#lib/local/local-secrets-manager.ts';
import { localRoutes, type LocalRoute } from '#lib/local/local-routes.ts';
import { startLocalSchedule } from '#lib/local/local-schedule.ts';
import { inProcessSyncTrigger } from '#lib/repository/repository-api-from-env.ts';
import { localRequestGuard, type LocalRequestGuard } from '#lib/local/local-request-guard.ts';
import { WEBHOOK_RECEIVER_PATH } from '#lib/api/routes.ts';
import { problem } from '#lib/api/problem.ts';
import { startLocalOidc, type LocalOidc } from '#lib/local/local-oidc.ts';
import { startLocalExtractions } from '#lib/local/local-extractions.ts';

export interface LocalRuntimeOptions {
  /** 0 picks a free port. Default: `PORT` or 3000. */
  port?: number;
  /** Where dynalite and the secret file live. Default: `KPIMAILER_DATA_DIR` or `./.kpimailer`. */
  dataDir?: string;
  /** Extra environment for the handlers (e.g. `KPIMAILER_PUBLIC_URL`). */
  env?: Record<string, string>;
  /** OIDC mode: `/api` requires an access token of this issuer and client. Default: `KPIMAILER_OIDC_ISSUER` and `KPIMAILER_OIDC_CLIENT_ID`; neither means no sign-in. */
  oidc?: { issuer: string; clientId: string };
}

export interface LocalRuntime {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const dataDir = resolve(options.dataDir ?? process.env.KPIMAILER_DATA_DIR ?? '.kpimailer');
  createPrivateDirectory(dataDir);
  const dynamodb = await startLocalDynamoDb({ path: join(dataDir, 'dynamodb') });
  const secrets = await startLocalSecretsManager({ dataDir: join(dataDir, 'secrets') });
  const extractionTimeout =
    Number(options.env?.EXTRACTION_TIMEOUT_SECONDS ?? process.env.EXTRACTION_TIMEOUT_SECONDS) || 600;
  const extractions = await startLocalExtractions({ timeoutSeconds: extractionTimeout });
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    // Generated for this start by the Secrets Manager stand-in, which accepts nothing else (dynalite ignores them).
    AWS_ACCESS_KEY_ID: secrets.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secrets.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    SERVERS_TABLE_NAME: 'kpimailer-servers',
    APPS_TABLE_NAME: 'kpimailer-apps',
    RELOAD_EVENTS_TABLE_NAME: 'kpimailer-reload-events',
    AUDIT_TABLE_NAME: 'kpimailer-audit',
    EXECUTIONS_TABLE_NAME: 'kpimailer-executions',
    // Extraction results; the stack keeps them in S3 with a 7-day lifecycle.
    RESULTS_DIR: join(dataDir, 'results'),
    ...extractions.env,
    // No EventBridge locally: reload events go to the reload events table and the log.
    RELOAD_PUBLISHER: 'local',
    SECRET_NAME_PREFIX: 'kpimailer/local',
    KPIMAILER_DATA_DIR: dataDir,
    ...options.env,
  };
  const oidcOptions = options.oidc ?? oidcFromEnv();
  const oidc = oidcOptions ? await startLocalOidc(oidcOptions) : null;
  Object.assign(env, oidc?.env);
  Object.assign(process.env, env);
  resetAdapters();

  const tableClient = new DynamoDBClient(awsClientConfig({ endpoint: dynamodb.endpoint }));
  await ensureTables(tableClient, [
    serversTable(env.SERVERS_TABLE_NAME!),
    appsTable(env.APPS_TABLE_NAME!),
    reloadEventsTable(env.RELOAD_EVENTS_TABLE_NAME!),
    auditTable(env.AUDIT_TABLE_NAME!),
    executionsTable(env.EXECUTIONS_TABLE_NAME!),
  ]);
  tableClient.destroy();

  const server = createServer();
  const { url, port } = await listenOnLoopback(server, options.port ?? Number(process.env.PORT ?? 3000));
  process.env.KPIMAILER_PUBLIC_URL ??= url;
  const routes = await localRoutes({ dataDir });
  const guard = localRequestGuard({
    port,
    publicUrl: process.env.KPIMAILER_PUBLIC_URL,
    signedPaths: [WEBHOOK_RECEIVER_PATH],
  });
  server.on('request', (req, res) => void dispatch(routes, guard, oidc, req, res));
  // The reload monitor's schedule (every minute in AWS).
  const reloadMonitor = startLocalSchedule({
    functionName: 'reload-monitor',
    intervalMs: Number(process.env.RELOAD_MONITOR_INTERVAL_SECONDS ?? 60) * 1000,
    firstRunAfterMs: 10_000,
    invoke: async () =>
      (await import('#functions/reload-monitor/handler.ts')).handler({}, lambdaContext('reload-monitor', 55_000)),
  });
  // The app sync schedule (hourly in AWS, as the stack's rule).
  const syncSchedule = startLocalSchedule({
    functionName: 'scheduled-sync',
    intervalMs: Number(process.env.APP_SYNC_INTERVAL_SECONDS ?? 3600) * 1000,
    invoke: async () =>
      (await import('#functions/scheduled-sync/handler.ts')).handler({
        source: 'aws.scheduler',
        'detail-type': 'Scheduled Event',
      }),
  });
  // The extraction worker's event source mappings (one per server queue).
  await extractions.start();

  return {
    url,
    dataDir,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await reloadMonitor.stop();
      await syncSchedule.stop();
      // Syncs started from the API run in this process too; let them finish before the stores close.
      await inProcessSyncTrigger()?.settled();
      await extractions.close();
      resetAdapters();
      await Promise.all([secrets.close(), dynamodb.close()]);
    },
  };
}

/** The data directory holds the database and the encrypted secrets: only its owner may list or enter it. */
function createPrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const mode = statSync(path).mode & 0o777;
  // An existing directory the admin chose is not re-permissioned behind their back, but they are told.
  if (mode & 0o077)
    console.warn(
      `KPImailer: the data directory ${path} is accessible to other users (mode ${mode.toString(8)}); run chmod 700 on it.`,
    );
}

function oidcFromEnv(): { issuer: string; clientId: string } | null {
  const issuer = process.env.KPIMAILER_OIDC_ISSUER;
  const clientId = process.env.KPIMAILER_OIDC_CLIENT_ID;
  if (!issuer && !clientId) return null;
  if (!issuer || !clientId) throw new Error('OIDC mode needs both KPIMAILER_OIDC_ISSUER and KPIMAILER_OIDC_CLIENT_ID.');
  return { issuer, clientId };
}

/** API Gateway's JWT authorizer: every `/api` route needs a valid access token; the claims reach the handler. */
async function authorize(oidc: LocalOidc, event: APIGatewayProxyEventV2): Promise<boolean> {
  try {
    const jwt = await oidc.verify(event.headers.authorization);
    (event.requestContext as { authorizer?: unknown }).authorizer = { jwt };
    return true;
  } catch (error) {
    if (!(error instanceof InvalidAccessTokenError)) throw error;
    console.warn(`local runtime: ${event.routeKey} refused: ${error.message}`);
    return false;
  }
}

async function dispatch(
  routes: LocalRoute[],
  guard: LocalRequestGuard,
  oidc: LocalOidc | null,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const refusal = guard({ method: req.method, path, headers: req.headers });
    if (refusal) {
      // Refused before the body is read or any handler is loaded: nothing starts.
      res.setHeader('connection', 'close');
      writeResult(res, problem(refusal.status, refusal.title, refusal.detail));
      return;
    }
    for (const route of routes) {
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      const event = await toApiGatewayEvent(req, route.routeKey, match.groups ? { ...match.groups } : undefined);
      if (event === 'too-large') {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"Request Entity Too Large"}');
        return;
      }
      if (oidc && route.routeKey.includes(' /api/') && !(await authorize(oidc, event))) {
        // API Gateway's own answer to a missing or invalid token.
        res
          .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
          .end('{"message":"Unauthorized"}');
        return;
      }
      const handler: HttpLambdaHandler = await route.handler();
      writeResult(res, await handler(event, lambdaContext(route.functionName)));
      return;
    }
    // API Gateway's own answer for a route it does not know.
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
  } catch (error) {
    console.error('local runtime: request failed', error);
    if (!res.headersSent)
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
  }
}
