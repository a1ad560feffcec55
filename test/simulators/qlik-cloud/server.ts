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
import { dispatch, QLIK_CLOUD_ROUTES, type SimResponse, type SimRoute } from '#test/simulators/qlik-cloud/routes.ts';
import { rateLimited, QlikCloudState, type ClientOptions } from '#test/simulators/qlik-cloud/state.ts';

export interface SimulatorOptions {
  clients?: ClientOptions[];
  /** Routes added by later issues (items, spaces, reports); they take precedence over the built-in ones. */
  routes?: SimRoute[];
  /** Start in "not Qlik" mode: every answer is an HTML 404. */
  notQlik?: boolean;
  latencyMs?: number;
}

export interface SimulatedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
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
  /** The simulator CA's certificate (PEM). */
  caPem: string;
  /** The same CA written to a file, for NODE_EXTRA_CA_CERTS of child processes. */
  caFile: string;
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
  let origin = '';

  const server: Server = createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, (req, res) => {
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', origin);
        const method = req.method ?? 'GET';
        if (state.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, state.faults.latencyMs));
        let answer: SimResponse;
        try {
          answer = respond(state, routes, {
            method,
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            origin,
          });
        } catch (error) {
          answer = { status: 500, json: { errors: [{ code: 'HTTP-500', title: 'Internal Server Error', detail: String(error) }] } };
        }
        requests.push({
          method,
          path: url.pathname,
          query: url.search,
          status: answer.status,
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
    caPem: pki.ca.certPem,
    caFile,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Faults first (not-Qlik mode, a 429 storm), then the route table. */
function respond(state: QlikCloudState, routes: SimRoute[], req: Parameters<typeof dispatch>[2]): SimResponse {
  if (state.faults.notQlik) {
    return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, text: '<!doctype html><html><body><h1>404 Not Found</h1></body></html>' };
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
