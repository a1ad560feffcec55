/**
 * Serves a built admin page directory (see build-admin-ui.ts): content types, caching that suits hashed
 * assets (immutable) and the HTML (always revalidated), gzip/brotli negotiation, ETags, and the security
 * headers the page is designed for: a strict Content-Security-Policy with no inline script or style.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

export interface AssetRequest {
  method: string;
  /** The file name below the directory, e.g. `index.html` or `app-X1Y2.js`. */
  name: string;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
}

export interface AssetResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * `style-src 'self'` still lets scripts set element styles through the CSSOM, which is all the page does;
 * `connect-src 'self'` keeps every API call on this origin, plus exactly the sign-in origin (Cognito's managed login
 * domain) whose token endpoint the page calls. Going to the sign-in page is a top-level navigation, which CSP does
 * not govern.
 */
export function contentSecurityPolicy(signInOrigin: string | null = null): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${signInOrigin ? ` ${signInOrigin}` : ''}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Only plain file names of known types: no path separators, no dot files, so nothing outside the directory. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Names from the build carry a content hash (`app-Y5BCLHHJ.js`, `favicon-c18186950e.svg`). */
const HASHED_NAME = /-[A-Za-z0-9]{8,}\.[a-z]+$/;

interface CachedFile {
  raw: Buffer;
  etag: string;
  contentType: string;
  encoded: Map<'br' | 'gzip', Buffer>;
}

function pickEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | null {
  const accepted = (acceptEncoding ?? '').toLowerCase();
  const allows = (name: string) => new RegExp(`(^|[\\s,])${name}(?!;q=0(\\.0+)?(\\s|,|$))`).test(accepted);
  if (allows('br')) return 'br';
  if (allows('gzip')) return 'gzip';
  return null;
}

function encode(file: CachedFile, encoding: 'br' | 'gzip'): Buffer {
  let body = file.encoded.get(encoding);
  if (!body) {
    body =
      encoding === 'br'
        ? brotliCompressSync(file.raw, {
            params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: file.raw.length },
          })
        : gzipSync(file.raw, { level: 9 });
    file.encoded.set(encoding, body);
  }
  return body;
}

export interface StaticAssets {
  serve(request: AssetRequest): Promise<AssetResponse>;
}

/** Files are read once per container and kept in memory with their compressed forms: the page is ~25 KB gzipped. */
export function createStaticAssets(options: { dir: string; signInOrigin?: string | null }): StaticAssets {
  const securityHeaders = {
    ...SECURITY_HEADERS,
    'content-security-policy': contentSecurityPolicy(options.signInOrigin ?? null),
  };
  const plain = (status: number, text: string, method: string, extra: Record<string, string> = {}): AssetResponse => ({
    status,
    headers: { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra },
    body: method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(text),
  });
  const cache = new Map<string, Promise<CachedFile | null>>();

  const load = (name: string): Promise<CachedFile | null> => {
    let entry = cache.get(name);
    if (!entry) {
      entry = readFile(join(options.dir, name)).then(
        (raw): CachedFile => ({
          raw,
          etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`,
          contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
          encoded: new Map(),
        }),
        () => null,
      );
      cache.set(name, entry);
      // A missing file is not remembered: a rebuild in the local runtime may add it.
      void entry.then((file) => file ?? cache.delete(name));
    }
    return entry;
  };

  return {
    async serve(request) {
      const method = request.method.toUpperCase();
      if (method !== 'GET' && method !== 'HEAD')
        return plain(405, 'Method not allowed', method, { allow: 'GET, HEAD' });
      if (!SAFE_NAME.test(request.name) || !CONTENT_TYPES[extname(request.name)])
        return plain(404, 'Not found', method);
      const file = await load(request.name);
      if (!file) return plain(404, 'Not found', method);

      const hashed = HASHED_NAME.test(request.name);
      const headers: Record<string, string> = {
        ...securityHeaders,
        'content-type': file.contentType,
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        etag: file.etag,
        vary: 'Accept-Encoding',
      };
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag)) {
        return { status: 304, headers, body: Buffer.alloc(0) };
      }
      const encoding = file.raw.length > 512 ? pickEncoding(request.headers['accept-encoding']) : null;
      const body = encoding ? encode(file, encoding) : file.raw;
      if (encoding) headers['content-encoding'] = encoding;
      headers['content-length'] = String(body.length);
      return { status: 200, headers, body: method === 'HEAD' ? Buffer.alloc(0) : body };
    },
  };
}
