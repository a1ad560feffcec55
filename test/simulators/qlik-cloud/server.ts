/**
 * A Qlik Cloud tenant on https://127.0.0.1:<random port>, with its own CA.
 *
 * Trust: in-process tests pass `caPem` to the client (`{ client: { ca: sim.caPem } }`) or call
 * `setDefaultCloudClientOptions({ ca: sim.caPem })` for code that takes no options (handlers). A child process
 * (e.g. `npm start` under an e2e test) is started with `NODE_EXTRA_CA_CERTS=<sim.caFile>`, which Node reads at
 * process start; that is why in-process tests cannot rely on it.
 *
 * @example
 *   const sim = await startQlikCloudSimulator({ clients: [{ clientId: 'kpi', clientSecret: 's'.repeat(40) }] });
 *   sim.state.faults.latencyMs = 20;
 *   // ... sim.requests lists every request; await sim.close();
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki } from '#test/support/certificates.ts';
import { seededRandom } from '#test/support/seeded-random.ts';
import { traceRateLimits, type RateLimitTrace } from '#test/simulators/qlik-cloud/rate-limit-trace.ts';
import {
  dispatch,
  QLIK_CLOUD_ROUTES,
  tierOfRoute,
  type SimResponse,
  type SimRoute,
  type SimTier,
} from '#test/simulators/qlik-cloud/routes.ts';
import { checkRequest, loadQlikCloudSpecs } from '#test/simulators/qlik-cloud/spec-validator.ts';
import { rateLimited, QlikCloudState, type ClientOptions } from '#test/simulators/qlik-cloud/state.ts';

export interface SimulatorOptions {
  clients?: ClientOptions[];
  /** Routes added by later issues (items, spaces, reports); they take precedence over the built-in ones. */
  routes?: SimRoute[];
  /** Start in "not Qlik" mode: every answer is an HTML 404. */
  notQlik?: boolean;
  latencyMs?: number;
  /** Seed of the latency jitter (`state.faults.latencyJitterMs`). */
  seed?: number;
}

export interface SimulatedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  /** The rate-limit tier of the route that matched, or null when none did. */
  tier: SimTier | null;
  /** Whether a bearer token was sent (never the token itself). */
  authenticated: boolean;
  startedAt: number;
  durationMs: number;
  /** What was sent back, for spec-conformance checks. */
  response: SimResponse;
}

export interface QlikCloudSimulator {
  /** The tenant URL, e.g. https://127.0.0.1:43121 */
  url: string;
  state: QlikCloudState;
  /** Every answered request, in order of arrival. Clear it with `requests.length = 0`. */
  requests: SimulatedRequest[];
  /**
   * Requests that broke Qlik's specs (test/fixtures/qlik-specs), each answered 400. `close()` fails while any are
   * listed, so a test whose code sent one fails; a test that sends one on purpose empties the list.
   */
  specViolations: string[];
  /** The simulator CA's certificate (PEM). */
  caPem: string;
  /** The same CA written to a file, for NODE_EXTRA_CA_CERTS of child processes. */
  caFile: string;
  /** Starts recording when each request was sent against the Retry-After windows announced (see rate-limit-trace.ts). */
  traceRateLimits(): RateLimitTrace;
  close(): Promise<void>;
}

export async function startQlikCloudSimulator(options: SimulatorOptions = {}): Promise<QlikCloudSimulator> {
  const pki = createTestPki({ machineName: 'qlik-cloud-simulator', extraServerNames: ['localhost', '127.0.0.1'] });
  const state = new QlikCloudState();
  for (const client of options.clients ?? []) state.addClient(client);
  state.faults.notQlik = options.notQlik ?? false;
  state.faults.latencyMs = options.latencyMs ?? 0;
  const routes = [...(options.routes ?? []), ...QLIK_CLOUD_ROUTES];
  const requests: SimulatedRequest[] = [];
  const jitter = seededRandom(options.seed ?? 17);
  const specViolations: string[] = [];
  const specs = loadQlikCloudSpecs();
  /**
   * Reports API calls Qlik's published reports.json does not describe (it has POST /v1/reports and GET …/status
   * only): a report's outputs and the temp-contents download its `location` points to. Everything else is checked.
   */
  const UNSPECIFIED_PATHS = [/^\/api\/v1\/reports\/[^/]+\/outputs$/, /^\/api\/v1\/temp-contents\/[^/]+$/];
  let origin = '';

  const server: Server = createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, (req, res) => {
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', origin);
        const method = req.method ?? 'GET';
        const latencyMs =
          state.faults.latencyMs +
          (state.faults.latencyJitterMs > 0 ? Math.round(jitter() * state.faults.latencyJitterMs) : 0);
        if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
        let answer: SimResponse;
        const body = Buffer.concat(chunks).toString('utf8');
        // Only requests to Qlik's documented APIs are checked; the static product-info file has no spec.
        const checked =
          specs &&
          !state.faults.notQlik &&
          (url.pathname.startsWith('/api/') || url.pathname.startsWith('/oauth/')) &&
          !UNSPECIFIED_PATHS.some((p) => p.test(url.pathname));
        const violations = checked
          ? checkRequest(specs, {
              method,
              path: url.pathname,
              query: url.searchParams,
              contentType: req.headers['content-type'] ?? null,
              body,
            })
          : [];
        if (violations.length > 0) {
          specViolations.push(...violations.map((v) => `${method} ${url.pathname}: ${v}`));
          answer = {
            status: 400,
            json: {
              errors: [
                {
                  code: 'HTTP-400',
                  title: 'Bad Request',
                  detail: `The request does not match the API: ${violations.join('; ')}`,
                },
              ],
            },
          };
        } else
          try {
            answer = respond(state, routes, {
              method,
              path: url.pathname,
              query: url.searchParams,
              headers: req.headers,
              body,
              origin,
            });
          } catch (error) {
            answer = {
              status: 500,
              json: { errors: [{ code: 'HTTP-500', title: 'Internal Server Error', detail: String(error) }] },
            };
          }
        requests.push({
          method,
          path: url.pathname,
          query: url.search,
          status: answer.status,
          tier: tierOfRoute(routes, method, url.pathname),
          authenticated: /^Bearer /i.test(req.headers.authorization ?? ''),
          startedAt,
          durationMs: performance.now() - startedAt,
          response: answer,
        });
        send(res, answer);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const dir = mkdtempSync(join(tmpdir(), 'qlik-cloud-sim-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.ca.certPem);

  return {
    url: origin,
    state,
    requests,
    specViolations,
    caPem: pki.ca.certPem,
    caFile,
    traceRateLimits: () => traceRateLimits(origin, (method, path) => tierOfRoute(routes, method, path)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
      if (specViolations.length > 0)
        throw new Error(`The service sent requests Qlik's specs do not allow:\n  ${specViolations.join('\n  ')}`);
    },
  };
}

/** Faults first (not-Qlik mode, a 429 storm), then the route table. */
function respond(state: QlikCloudState, routes: SimRoute[], req: Parameters<typeof dispatch>[2]): SimResponse {
  if (state.faults.notQlik) {
    return {
      status: 404,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      text: '<!doctype html><html><body><h1>404 Not Found</h1></body></html>',
    };
  }
  const storm = state.faults.rateLimitStorm;
  if (storm && storm.remaining > 0 && (!storm.pathPrefix || req.path.startsWith(storm.pathPrefix))) {
    storm.remaining--;
    const error = rateLimited(storm.retryAfterSeconds);
    return { status: 429, headers: error.headers, json: error.body() };
  }
  return dispatch(state, routes, req);
}

function send(res: import('node:http').ServerResponse, answer: SimResponse): void {
  const headers: Record<string, string> = { ...(answer.headers ?? {}) };
  let body: string | Buffer = '';
  if (answer.bytes !== undefined) {
    body = answer.bytes;
    headers['content-type'] ??= 'application/octet-stream';
  } else if (answer.json !== undefined) {
    body = JSON.stringify(answer.json);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  } else if (answer.text !== undefined) {
    body = answer.text;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  }
  res.writeHead(answer.status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
