/** Request and response plumbing the simulated Qlik services share (QRS, the Proxy Service API, the proxy). */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export const XSRF_MESSAGE = 'XSRF prevention check failed. Possible XSRF discovered.';

/** What every simulated Qlik service logs about a request, for tests to assert on. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** Query parameters as decoded by the server, without the xrfkey. */
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
  status: number;
  /** What the simulator answered (parsed JSON, or Qlik-style plain text); the spec conformance test reads it. */
  response: unknown;
  /** Subject CN of the client certificate presented, if any. */
  clientCertificate: string | null;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Qlik's rule for QRS and the QPS API alike: `xrfkey` in the query equal to `X-Qlik-Xrfkey`, 16 of `0-9a-zA-Z`. */
export function xrfkeyMatches(url: URL, headers: IncomingHttpHeaders): boolean {
  const queryKey = [...url.searchParams].find(([k]) => k.toLowerCase() === 'xrfkey')?.[1];
  return Boolean(queryKey) && queryKey === headers['x-qlik-xrfkey'] && /^[0-9a-zA-Z]{16}$/.test(queryKey!);
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, response: RouteResponse): void {
  const headers = response.headers ?? {};
  if (response.body === undefined) {
    res.writeHead(response.status, headers).end();
  } else if (typeof response.body === 'string') {
    res.writeHead(response.status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(response.body);
  } else {
    res
      .writeHead(response.status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
      .end(JSON.stringify(response.body));
  }
}

export const headerRecord = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
