/** Builds API Gateway v2 events for calling the real handlers in-process, as API Gateway would. */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { lambdaContext } from '#lib/local/api-gateway-adapter.ts';

export interface ApiCall {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The invocation's time left at the start (Lambda's `getRemainingTimeInMillis`); default 30 s. */
  remainingMs?: number;
  /** The verified JWT claims API Gateway's authorizer passes on (`requestContext.authorizer.jwt.claims`). */
  claims?: Record<string, string>;
  requestId?: string;
  sourceIp?: string;
}

export function apiEvent(method: string, path: string, call: ApiCall = {}): APIGatewayProxyEventV2 {
  const body = call.rawBody ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  const id = /^\/api\/servers\/([^/]+)/.exec(path)?.[1];
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(call.query ?? {}).toString(),
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...call.headers },
    queryStringParameters: call.query,
    pathParameters: id ? { id } : undefined,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: call.sourceIp ?? '127.0.0.1', userAgent: 'vitest' },
      requestId: call.requestId ?? 'test',
      ...(call.claims ? { authorizer: { jwt: { claims: call.claims, scopes: ['openid', 'email'] } } } : {}),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export async function callApi(handler: unknown, method: string, path: string, call?: ApiCall): Promise<ApiResponse> {
  const result = (await (handler as Handler)(
    apiEvent(method, path, call),
    lambdaContext('test', call?.remainingMs),
  )) as LambdaHttpResult;
  return apiResponseOf(result);
}

/** What an HTTP API or function URL handler returns (payload format 2.0). */
export interface LambdaHttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A handler's result as the tests read it. */
export function apiResponseOf(result: LambdaHttpResult): ApiResponse {
  return {
    status: result.statusCode,
    headers: result.headers ?? {},
    body: result.body ?? '',
    json: () => JSON.parse(result.body ?? 'null'),
  };
}
