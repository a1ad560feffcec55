/**
 * What keeps `npm start` private to the admin at this machine. Locally there is no JWT authorizer: anything that
 * reaches the port acts as the admin, so the port must not be reachable by a web page the admin happens to open.
 * Binding to 127.0.0.1 keeps other machines out; these two rules keep the admin's own browser from being used
 * against it:
 *
 * - `Host` must name this runtime (`127.0.0.1:<port>`, `localhost:<port>`, or `KPIMAILER_PUBLIC_URL`'s host), else
 *   421. A DNS-rebinding page reaches 127.0.0.1 under its own name, and its requests carry that name.
 * - A state-changing request (POST/PUT/DELETE) must come from this runtime's own origin and carry JSON, else 403.
 *   A cross-site page can send `text/plain`, form or multipart bodies without a CORS preflight, never
 *   `application/json`; and every browser sends `Origin` on a cross-origin POST/PUT/DELETE. A request without a body
 *   (the UI's "Sync apps", a DELETE) needs no content type; one with a body must say it is JSON.
 *
 * The webhook receiver's route is exempt from the second rule only: Qlik Cloud (through the tunnel behind
 * `KPIMAILER_PUBLIC_URL`) posts there with its own headers, and that route trusts nothing but the HMAC over the raw
 * body, which no page can forge. It still answers only under this runtime's own host names.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface LocalRequestRefusal {
  status: 403 | 421;
  title: string;
  detail: string;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export interface LocalRequestGuardOptions {
  /** The port the runtime listens on. */
  port: number;
  /** `KPIMAILER_PUBLIC_URL`, when the runtime is reachable under another name (a tunnel). */
  publicUrl?: string;
  /** Paths authenticated by their own signature rather than by who can reach the port. */
  signedPaths: readonly string[];
}

export type LocalRequestGuard = (request: {
  method?: string;
  path: string;
  headers: IncomingHttpHeaders;
}) => LocalRequestRefusal | null;

/**
 * @example
 *   const guard = localRequestGuard({ port: 3000, signedPaths: ['/webhooks/qlik-cloud'] });
 *   guard({ method: 'GET', path: '/', headers: { host: 'attacker.example' } }); // -> { status: 421, ... }
 */
export function localRequestGuard(options: LocalRequestGuardOptions): LocalRequestGuard {
  const ownHosts = new Set([`127.0.0.1:${options.port}`, `localhost:${options.port}`]);
  const ownOrigins = new Set([`http://127.0.0.1:${options.port}`, `http://localhost:${options.port}`]);
  if (options.publicUrl) {
    const publicUrl = new URL(options.publicUrl);
    ownHosts.add(publicUrl.host.toLowerCase());
    ownOrigins.add(publicUrl.origin.toLowerCase());
  }
  const signedPaths = new Set(options.signedPaths);

  return ({ method = 'GET', path, headers }) => {
    const host = headers.host?.toLowerCase();
    if (!host || !ownHosts.has(host)) {
      return {
        status: 421,
        title: 'Misdirected request',
        detail: `This KPImailer runtime answers only as ${[...ownHosts].join(', ')}. Open it under one of those addresses.`,
      };
    }
    if (!STATE_CHANGING.has(method.toUpperCase()) || signedPaths.has(path)) return null;
    const origin = headers.origin?.toLowerCase();
    if (origin !== undefined && !ownOrigins.has(origin)) {
      return {
        status: 403,
        title: 'Forbidden',
        detail: 'Changes are accepted only from the KPImailer admin page itself.',
      };
    }
    const contentType = headers['content-type'];
    const hasBody = headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
    if (contentType !== undefined ? !JSON_TYPE.test(contentType) : hasBody) {
      return {
        status: 403,
        title: 'Forbidden',
        detail: 'Changes must be sent as JSON (Content-Type: application/json).',
      };
    }
    return null;
  };
}
