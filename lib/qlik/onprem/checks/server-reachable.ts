/**
 * "Server reachable": DNS, TCP and TLS to QRS, proven by the first call of the test (`GET /qrs/about`). Any HTTP
 * answer, even a 403, means the server was reached; the answer is kept for the Authentication check. A server
 * that completes the handshake and then refuses our client certificate with a TLS alert was reached too: that
 * is an authentication problem, reported there.
 */
import type { Check } from '#lib/connection-test/check-ladder.ts';
import { CheckFailedError } from '#lib/connection-test/check-ladder.ts';
import { QrsConnectionError, QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import type { QrsAbout } from '#lib/qlik/onprem/qrs-types.ts';
import { listNames } from '#lib/qlik/onprem/server-certificate.ts';
import type { OnPremTestContext } from '#lib/qlik/onprem/checks/test-context.ts';

export const serverReachable: Check<OnPremTestContext> = {
  name: 'Server reachable',
  timeoutMs: 9_000,
  async run(context, signal) {
    try {
      const about = await context.qrs.get<QrsAbout>('/qrs/about', { signal, timeoutMs: 8_000 });
      context.about = { ok: true, about };
    } catch (error) {
      if (
        error instanceof QrsRequestError ||
        (error instanceof QrsConnectionError && error.problem === 'client-certificate-rejected')
      ) {
        context.about = { ok: false, error };
      } else {
        throw new CheckFailedError(error instanceof Error ? error.message : String(error), { cause: error });
      }
    }
    return describeConnection(context);
  },
};

function describeConnection({ qrs }: OnPremTestContext): string {
  const { target, tls } = qrs;
  const where = `${target.host}:${target.port}`;
  const protocol = tls.protocol ? ` over ${tls.protocol}` : '';
  const certificate = tls.serverCertificate;
  if (!certificate) return `Connected to QRS at ${where}${protocol}.`;
  const issued = `issued to ${listNames(certificate)} by ${certificate.issuer}`;
  return tls.verified
    ? `Connected to QRS at ${where}${protocol}; the server certificate (${issued}) is trusted and valid for ${target.checkedName}.`
    : `Connected to QRS at ${where}${protocol}; the server certificate is ${issued}.`;
}
