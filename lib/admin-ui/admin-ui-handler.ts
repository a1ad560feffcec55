/**
 * The admin-ui function's behaviour: the admin page behind the same HTTP API as `/api` (so no CORS). `GET /`
 * answers `index.html`, `GET /assets/{proxy+}` the hashed JavaScript, CSS and icon, from a directory of built files,
 * and `GET /config.json` how the page signs an admin in (lib/admin-ui/sign-in-config.ts).
 */
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { signInConfigFromEnv, signInOrigin, type SignInConfig } from '#lib/admin-ui/sign-in-config.ts';
import { SECURITY_HEADERS, contentSecurityPolicy, createStaticAssets } from '#lib/admin-ui/static-assets.ts';

export type AdminUiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const ASSET_PATH = /\/assets\/([^/]+)$/;
const CONFIG_PATH = /\/config\.json$/;

function assetName(event: APIGatewayProxyEventV2): string | null {
  const proxy = event.pathParameters?.['proxy'];
  if (proxy !== undefined) return proxy;
  const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  const asset = ASSET_PATH.exec(path);
  if (asset) return asset[1] ?? null;
  if (path === '/' || path.endsWith('/index.html') || event.routeKey === 'GET /') return 'index.html';
  return null;
}

/** Builds a handler serving the built admin page in `assetsDir`; `signIn` defaults to the environment's. */
export function createAdminUiHandler(options: { assetsDir: string | URL; signIn?: SignInConfig }): AdminUiHandler {
  const dir = options.assetsDir instanceof URL ? fileURLToPath(options.assetsDir) : options.assetsDir;
  const signIn = options.signIn ?? signInConfigFromEnv(process.env);
  const origin = signInOrigin(signIn);
  const assets = createStaticAssets({ dir, signInOrigin: origin });
  const configBody = JSON.stringify(signIn);
  return async (event) => {
    if (CONFIG_PATH.test(event.rawPath ?? '')) {
      return {
        statusCode: 200,
        headers: {
          ...SECURITY_HEADERS,
          'content-security-policy': contentSecurityPolicy(origin),
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        },
        body: configBody,
      };
    }
    const name = assetName(event) ?? '';
    const lowerHeaders: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(event.headers ?? {})) lowerHeaders[key.toLowerCase()] = value;
    const response = await assets.serve({
      method: event.requestContext?.http?.method ?? 'GET',
      name,
      headers: lowerHeaders,
    });
    const text =
      !response.headers['content-encoding'] && /^(text\/|image\/svg)/.test(response.headers['content-type'] ?? '');
    return {
      statusCode: response.status,
      headers: response.headers,
      body: text ? response.body.toString('utf8') : response.body.toString('base64'),
      isBase64Encoded: !text,
    };
  };
}
