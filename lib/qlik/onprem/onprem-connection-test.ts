/**
 * The on-premise connection test: five checks in order on one QRS client (one kept-alive TLS session), the
 * whole inside 25 s so the API answers within API Gateway's 30 s. A failed check marks the later ones skipped.
 *
 * QRS calls on a provisioned site (4): GET /qrs/about, GET /qrs/user/full, GET /qrs/servernodeconfiguration/full,
 * GET /qrs/proxyservice/full. On a fresh site (7): the same, then GET /qrs/virtualproxyconfig/full (by prefix),
 * POST /qrs/virtualproxyconfig and one PUT /qrs/proxyservice/{id} per proxy service.
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

export const ONPREM_TEST_DEADLINE_MS = 25_000;
export const UNVERIFIED_NOTE = 'Server certificate not verified (allowUntrustedServerCertificate is on)';

export const ONPREM_CHECKS: Check<OnPremTestContext>[] = [serverReachable, authentication, userExists, rootAdmin, virtualProxyReady];

export interface OnPremTestOptions {
  /** Capped at 25 s. */
  deadlineMs?: number;
  onProgress?: (checks: CheckResult[]) => void;
  /** QRS client settings (timeouts); tests and the benchmark use it. */
  client?: QrsClientOptions;
  /** Receives the client after the test, before it is closed (the benchmark reads its TLS counters). */
  onClient?: (qrs: QrsClient) => void;
}

export interface OnPremTestOutcome {
  result: TestResult;
  /** The `kpimailer` virtual proxy found or provisioned; null when the test stopped before that check. */
  virtualProxy: { id: string; prefix: string } | null;
}

/**
 * @example
 * const { result, virtualProxy } = await testOnPremConnection(connection, { onProgress: (checks) => push(checks) });
 */
export async function testOnPremConnection(connection: OnPremConnection, options: OnPremTestOptions = {}): Promise<OnPremTestOutcome> {
  const qrs = createQrsClient(connection, options.client);
  const context: OnPremTestContext = { connection, qrs };
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
    options.onClient?.(qrs);
    await qrs.close();
  }
}

function withNote(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return UNVERIFIED_NOTE;
  return `${/[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`} ${UNVERIFIED_NOTE}`;
}
