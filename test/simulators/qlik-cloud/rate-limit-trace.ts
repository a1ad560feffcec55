/**
 * When every request to the simulated tenant was sent, next to the `Retry-After` windows the tenant announced, so a
 * test can say "nothing of that tier was sent inside a window" without a single timing assertion.
 *
 * The simulator only sees a request when it arrives, which under CPU contention can be well after the client sent
 * it. So the times are taken on the client's side of the wire, from undici's diagnostics channels (the service's
 * Qlik Cloud client is undici, and tests run it in the same process as the simulator):
 *   - `dispatchedAt`: the request was handed to a connection (`undici:request:create`): the client committed to it;
 *   - `sentAt`: its headers were written to the socket (`undici:client:sendHeaders`);
 *   - `answeredAt`: the answer's status line and headers arrived (`undici:request:headers`).
 * A 429 received at `answeredAt` with `Retry-After: s` opens the window (answeredAt, answeredAt + s) for its tier.
 * A request of that tier dispatched inside it is a request sent into the block; one dispatched before it was already
 * in flight when the 429 came back, and is allowed. All times are `performance.now()` milliseconds.
 *
 * @example
 *   const trace = sim.traceRateLimits();
 *   await runTheSync();
 *   trace.stop();
 *   expect(trace.sentInsideRetryAfterWindows('1')).toEqual([]);
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { SimTier } from '#test/simulators/qlik-cloud/routes.ts';

export interface TracedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The route's rate-limit tier, or null for a path the simulator does not serve. */
  tier: SimTier | null;
  dispatchedAt: number;
  sentAt: number | null;
  answeredAt: number | null;
  status: number | null;
  /** `Retry-After` of a 429, in ms; null when absent or not a number of seconds. */
  retryAfterMs: number | null;
}

export interface RetryAfterWindow {
  tier: SimTier;
  from: number;
  until: number;
  /** The 429 that opened it. */
  opener: TracedRequest;
}

export interface RateLimitTrace {
  /** Every request to the simulator since the trace started, in dispatch order. */
  readonly requests: TracedRequest[];
  /** The windows opened by 429 answers, in order of arrival (optionally of one tier). */
  windows(tier?: SimTier): RetryAfterWindow[];
  /** Requests of a window's tier dispatched inside it (after its 429 arrived, before it ended). */
  sentInsideRetryAfterWindows(tier?: SimTier): Array<{ request: TracedRequest; window: RetryAfterWindow }>;
  stop(): void;
}

interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
}

export function traceRateLimits(
  origin: string,
  tierOf: (method: string, path: string) => SimTier | null,
): RateLimitTrace {
  const requests: TracedRequest[] = [];
  const byRequest = new WeakMap<object, TracedRequest>();
  const ours = (request: UndiciRequest) =>
    request.origin !== undefined && String(request.origin).replace(/\/$/, '') === origin;

  const onCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    if (!ours(request)) return;
    const method = request.method ?? 'GET';
    const path = (request.path ?? '/').split('?')[0]!;
    const traced: TracedRequest = {
      method,
      path,
      tier: tierOf(method, path),
      dispatchedAt: performance.now(),
      sentAt: null,
      answeredAt: null,
      status: null,
      retryAfterMs: null,
    };
    byRequest.set(request, traced);
    requests.push(traced);
  };
  const onSendHeaders = (message: unknown) => {
    const traced = byRequest.get((message as { request: object }).request);
    if (traced) traced.sentAt = performance.now();
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as {
      request: object;
      response: { statusCode: number; headers: Array<Buffer | string> };
    };
    const traced = byRequest.get(request);
    if (!traced) return;
    traced.answeredAt = performance.now();
    traced.status = response.statusCode;
    if (response.statusCode === 429) traced.retryAfterMs = retryAfterOf(response.headers);
  };
  const channels: Array<[string, (message: unknown) => void]> = [
    ['undici:request:create', onCreate],
    ['undici:client:sendHeaders', onSendHeaders],
    ['undici:request:headers', onHeaders],
  ];
  for (const [name, listener] of channels) subscribe(name, listener);

  const windows = (tier?: SimTier): RetryAfterWindow[] =>
    requests
      .filter(
        (r) => r.status === 429 && r.tier !== null && r.answeredAt !== null && (tier === undefined || r.tier === tier),
      )
      .map((r) => ({ tier: r.tier!, from: r.answeredAt!, until: r.answeredAt! + (r.retryAfterMs ?? 0), opener: r }));

  return {
    requests,
    windows,
    sentInsideRetryAfterWindows: (tier) => {
      const inside: Array<{ request: TracedRequest; window: RetryAfterWindow }> = [];
      for (const request of requests) {
        const window = windows(tier).find(
          (w) => w.tier === request.tier && request.dispatchedAt > w.from && request.dispatchedAt < w.until,
        );
        if (window) inside.push({ request, window });
      }
      return inside;
    },
    stop: () => {
      for (const [name, listener] of channels) unsubscribe(name, listener);
    },
  };
}

/** The simulator sends delta-seconds; undici hands headers over as a flat [name, value, …] list of buffers. */
function retryAfterOf(headers: Array<Buffer | string>): number | null {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() !== 'retry-after') continue;
    const seconds = Number(String(headers[i + 1]).trim());
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
  }
  return null;
}
