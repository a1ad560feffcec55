/**
 * The Qlik Sense Proxy Service API (QPS, `proxyApiPort`, default 4243) on the Server URL's host: mutual TLS with
 * the client certificate exported from the QMC and a fresh xrfkey per call, as for QRS. KPImailer uses two calls,
 * both documented in Qlik's help ("Proxy Service API" → Authentication API):
 *
 * - `POST /qps/{virtual proxy/}ticket` with `{"UserDirectory", "UserId"}` answers `{..., "Ticket"}`; the ticket is
 *   good for one minute ("Add ticket").
 * - `DELETE /qps/{virtual proxy/}session/{id}` ends a proxy session and tears down its connections ("Delete
 *   session").
 *
 * Assumed, not documented: the session id those calls take is the value of the virtual proxy's session cookie
 * (Qlik's "Add session" API takes a `SessionId` that a session module then sets as that cookie, which is the
 * same identity); and the status of a created ticket (any 2xx is accepted).
 */
import type { Dispatcher } from 'undici';
import { request } from 'undici';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { targetOfCall, toConnectionError } from '#lib/qlik/onprem/connection-errors.ts';
import { createQlikAgent } from '#lib/qlik/onprem/qlik-agent.ts';
import { QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import { buildQuery, newXrfkey, qlikErrorMessage } from '#lib/qlik/onprem/qrs-request.ts';
import { qlikTarget, type QrsTarget } from '#lib/qlik/onprem/qrs-tls.ts';

export interface QpsClientOptions {
  connectTimeoutMs?: number;
  /** Per-call limit. */
  timeoutMs?: number;
}

export interface QlikUserRef {
  userDirectory: string;
  userId: string;
}

/** The client's TLS counters (the benchmark subtracts handshakes from wall time). */
export interface HandshakeCounter {
  handshakes: number;
  lastHandshakeMs: number | null;
}

export class QpsClient {
  readonly target: QrsTarget;
  readonly tls: HandshakeCounter = { handshakes: 0, lastHandshakeMs: null };
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private connecting = 0;

  constructor(connection: OnPremConnection, options: QpsClientOptions = {}) {
    this.target = qlikTarget(connection, connection.proxyApiPort);
    this.timeoutMs = options.timeoutMs ?? 8_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 8_000;
    this.dispatcher = createQlikAgent({
      connection,
      target: this.target,
      clientCertificate: true,
      connectTimeoutMs: this.connectTimeoutMs,
      onConnecting: () => (this.connecting += 1),
      onConnected: (socket, ms) => {
        this.connecting -= 1;
        if (!socket) return;
        this.tls.handshakes += 1;
        this.tls.lastHandshakeMs = ms;
      },
    });
  }

  /** A one-time ticket for `user` on the virtual proxy `prefix`. */
  async requestTicket(prefix: string, user: QlikUserRef, signal?: AbortSignal): Promise<string> {
    const answer = await this.call<{ Ticket?: unknown }>(
      'POST',
      `/qps/${encodeURIComponent(prefix)}/ticket`,
      { UserDirectory: user.userDirectory, UserId: user.userId },
      signal,
    );
    if (typeof answer?.Ticket !== 'string' || !answer.Ticket) {
      throw new QrsRequestError('POST', `/qps/${prefix}/ticket`, 200, 'the answer carries no Ticket');
    }
    return answer.Ticket;
  }

  /** Ends the proxy session (and its Engine connections). */
  async deleteSession(prefix: string, sessionId: string, signal?: AbortSignal): Promise<void> {
    await this.call(
      'DELETE',
      `/qps/${encodeURIComponent(prefix)}/session/${encodeURIComponent(sessionId)}`,
      undefined,
      signal,
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }

  /** Resolves with the parsed JSON on 2xx; `QrsRequestError` on other statuses, `QrsConnectionError` without an answer. */
  private async call<T>(method: 'POST' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const xrfkey = newXrfkey();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await request(`${this.target.origin}${path}${buildQuery({ xrfkey })}`, {
        method,
        dispatcher: this.dispatcher,
        signal: combined,
        headers: {
          'X-Qlik-Xrfkey': xrfkey,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await response.body.text();
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw new QrsRequestError(method, path, response.statusCode, qlikErrorMessage(text));
      }
      try {
        return (text.trim() ? JSON.parse(text) : undefined) as T;
      } catch (error) {
        throw new QrsRequestError(method, path, response.statusCode, 'the answer is not JSON', { cause: error });
      }
    } catch (error) {
      if (error instanceof QrsRequestError) throw error;
      throw await toConnectionError(error, {
        method,
        path,
        ...targetOfCall(this.target),
        connected: this.connecting === 0 && this.tls.handshakes > 0,
        timedOutAfterMs: timeout.aborted && !signal?.aborted ? this.timeoutMs : undefined,
        connectTimeoutMs: this.connectTimeoutMs,
        abortedByCaller: signal?.aborted === true,
      });
    }
  }
}
