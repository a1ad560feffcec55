/**
 * "Authentication": Qlik accepted the client certificate for `GET /qrs/about`. Qlik is reported to answer an
 * untrusted client certificate with HTTP 403 after a successful handshake; a TLS-level refusal is handled the
 * same way, because either way the fix is the certificate from this site's QMC.
 */
import { X509Certificate } from 'node:crypto';
import type { Check } from '#lib/connection-test/check-ladder.ts';
import { CheckFailedError } from '#lib/connection-test/check-ladder.ts';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import { accountName, qrsFailure, type OnPremTestContext } from '#lib/qlik/onprem/checks/test-context.ts';

const EXPORT_HINT =
  "Export the client certificate from this site's QMC (Certificates → Export, Windows format with the secret key) and upload that .pfx; a certificate from another Qlik Sense site or an earlier installation is refused.";

export const authentication: Check<OnPremTestContext> = {
  name: 'Authentication',
  timeoutMs: 2_000,
  async run(context) {
    const answer = context.about;
    if (!answer)
      throw new CheckFailedError('The server was not reached, so the client certificate could not be tried.');
    const certificate = describeClientCertificate(context.connection);
    if (answer.ok) {
      return `Qlik Sense accepted the client certificate (${certificate}); repository build ${answer.about.buildVersion}.`;
    }
    const { error } = answer;
    if (!(error instanceof QrsRequestError)) {
      throw new CheckFailedError(
        `Qlik Sense refused the client certificate (${certificate}) at the TLS level: ${error.message} This certificate is not trusted by this Qlik Sense site. ${EXPORT_HINT}`,
        { cause: error },
      );
    }
    if (error.status === 403 && /inactive/i.test(error.qlikMessage)) {
      throw new CheckFailedError(
        `Qlik Sense refused the service account ${accountName(context.connection)}: Qlik says the account is inactive. Activate it in the QMC (Users) or use another service account.`,
        { cause: error },
      );
    }
    if (error.status === 403 && /xsrf/i.test(error.qlikMessage)) {
      throw new CheckFailedError(
        `Qlik Sense rejected the request's xrfkey (403, XSRF). A proxy or gateway between KPImailer and Qlik may be rewriting the query string or dropping the X-Qlik-Xrfkey header.`,
        { cause: error },
      );
    }
    if (error.status === 401 || error.status === 403) {
      throw new CheckFailedError(
        `Qlik Sense answered ${error.status} to GET /qrs/about with the client certificate (${certificate}): this certificate is not trusted by this Qlik Sense site. ${EXPORT_HINT}`,
        { cause: error },
      );
    }
    throw qrsFailure(error, 'read /qrs/about with the client certificate');
  },
};

/** `CN=QlikClient, issued by CN=QLIKSERVER-CA`: admins cannot otherwise tell which certificate is in use. */
function describeClientCertificate(connection: OnPremConnection): string {
  try {
    const cert = new X509Certificate(connection.tls.certPem);
    const oneLine = (dn: string) => dn.split('\n').join(', ');
    return `${oneLine(cert.subject)}, issued by ${oneLine(cert.issuer)}`;
  } catch {
    return 'the uploaded client certificate';
  }
}
