/**
 * The on-premise connection test: five checks in order on one QRS client (one kept-alive TLS session), the
 * whole inside 25 s so the API answers within API Gateway's 30 s. A failed check marks the later ones skipped.
 *
 * QRS calls on a provisioned site (4): GET /qrs/about, GET /qrs/user/full, GET /qrs/servernodeconfiguration/full,
 * GET /qrs/proxyservice/full. On a fresh site (7): the same, then GET /qrs/virtualproxyconfig/full (by prefix),
 * POST /qrs/virtualproxyconfig and one PUT /qrs/proxyservice/{id} per proxy service.
 *
 * Side by side from the start, the session proof: POST /qps/kpimailer/ticket on the Proxy Service API, the ticket
 * redeemed at <Server URL>/kpimailer/qps/user (one redirect), then DELETE /qps/kpimailer/session/{id}.
 */
import { runCheckLadder, type Check } from '#lib/connection-test/check-ladder.ts';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import type { CheckResult, TestResult } from '#lib/servers/server-record.ts';
import { authentication } from '#lib/qlik/onprem/checks/authentication.ts';
import { rootAdmin } from '#lib/qlik/onprem/checks/root-admin.ts';
import { serverReachable } from '#lib/qlik/onprem/checks/server-reachable.ts';
import type { OnPremTestContext } from '#lib/qlik/onprem/checks/test-context.ts';
import { userExists } from '#lib/qlik/onprem/checks/user-exists.ts';
import { virtualProxyReady } from '#lib/qlik/onprem/checks/virtual-proxy-ready.ts';
import { createQrsClient, type QrsClient, type QrsClientOptions } from '#lib/qlik/onprem/qrs-client.ts';
import { ProxySessions, type ProxySessionOptions } from '#lib/qlik/onprem/proxy-session.ts';
import { attemptSession } from '#lib/qlik/onprem/checks/session-proof.ts';
import type { ProvisionedVirtualProxy } from '#lib/servers/server-record.ts';

export const ONPREM_TEST_DEADLINE_MS = 25_000;
export const UNVERIFIED_NOTE = 'Server certificate not verified (allowUntrustedServerCertificate is on)';

export const ONPREM_CHECKS: Check<OnPremTestContext>[] = [
  serverReachable,
  authentication,
  userExists,
  rootAdmin,
  virtualProxyReady,
];

export interface OnPremTestOptions {
  /** Capped at 25 s. */
  deadlineMs?: number;
  onProgress?: (checks: CheckResult[]) => void;
  /** QRS client settings (timeouts); tests and the benchmark use it. */
  client?: QrsClientOptions;
  /** Receives the client after the test, before it is closed (the benchmark reads its TLS counters). */
  onClient?: (qrs: QrsClient) => void;
  /** Session settings (timeouts) for the proof through the virtual proxy. */
  session?: ProxySessionOptions;
  /** How long "Virtual proxy ready" waits for Qlik to apply a new or changed virtual proxy (default 12 s). */
  applyWaitMs?: number;
  /** Receives the session opener after the test (the benchmark reads its TLS counters). */
  onSessions?: (sessions: ProxySessions) => void;
}

export interface OnPremTestOutcome {
  result: TestResult;
  /** The `kpimailer` virtual proxy found or provisioned; null when the test stopped before that check. */
  virtualProxy: ProvisionedVirtualProxy | null;
}

/**
 * @example
 * const { result, virtualProxy } = await testOnPremConnection(connection, { onProgress: (checks) => push(checks) });
 */
export async function testOnPremConnection(
  connection: OnPremConnection,
  options: OnPremTestOptions = {},
): Promise<OnPremTestOutcome> {
  const qrs = createQrsClient(connection, options.client);
  const sessions = new ProxySessions(connection, options.session);
  const closing: Promise<void>[] = [];
  // A ticket needs no QRS answer: the first session attempt runs side by side with the QRS checks.
  const early = new AbortController();
  const context: OnPremTestContext = {
    connection,
    qrs,
    session: {
      sessions,
      closing,
      early: attemptSession(sessions, closing, early.signal),
      applyWaitMs: options.applyWaitMs,
    },
  };
  // Every line says so when nothing about the server was verified: a passing test must not look like a secure one.
  const annotate = (checks: CheckResult[]) =>
    connection.allowUntrustedServerCertificate ? checks.map((c) => ({ ...c, message: withNote(c.message) })) : checks;
  try {
    const result = await runCheckLadder(ONPREM_CHECKS, context, {
      deadlineMs: Math.min(options.deadlineMs ?? ONPREM_TEST_DEADLINE_MS, ONPREM_TEST_DEADLINE_MS),
      onProgress: options.onProgress && ((checks) => options.onProgress?.(annotate(checks))),
    });
    return { result: { ok: result.ok, checks: annotate(result.checks) }, virtualProxy: context.virtualProxy ?? null };
  } finally {
    early.abort();
    await context.session.early;
    await Promise.all(closing);
    options.onClient?.(qrs);
    options.onSessions?.(sessions);
    await Promise.all([qrs.close(), sessions.close()]);
  }
}

function withNote(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return UNVERIFIED_NOTE;
  return `${/[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`} ${UNVERIFIED_NOTE}`;
}
