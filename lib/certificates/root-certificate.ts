/**
 * Intake of the Qlik site's root CA certificate, used to verify the Qlik server's TLS certificate.
 * The QMC's Windows-format export writes `root.cer` (DER, or Base64 PEM when re-saved from Windows'
 * certificate dialog) and the PEM export writes `root.pem`; Node's X509Certificate reads both.
 */
import { X509Certificate } from 'node:crypto';
import { assertWithinValidity, describeCertificate } from '#lib/certificates/certificate-metadata.ts';
import { CertificateError, type CertificateMetadata } from '#lib/certificates/certificate-types.ts';

export interface ParseRootCertificateOptions {
  /** The moment validity is checked against; tests pin it. */
  now?: Date;
}

/**
 * Reads a root certificate from PEM or DER and returns it as PEM with its metadata. When a PEM file holds
 * several certificates only the first is taken: Qlik's root file holds exactly one.
 *
 * @throws CertificateError 'not-a-certificate' or 'expired' / 'not-yet-valid', with an admin-facing message.
 */
export function parseRootCertificate(
  content: Buffer,
  options: ParseRootCertificateOptions = {},
): { pem: string; metadata: CertificateMetadata } {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(content);
  } catch (error) {
    throw new CertificateError(
      'not-a-certificate',
      'This file is not an X.509 certificate. Upload the root certificate from the folder the QMC exported: ' +
        'root.cer (Windows format) or root.pem (PEM format).',
      { cause: error },
    );
  }
  const metadata = describeCertificate(certificate);
  assertWithinValidity(metadata, 'root certificate', options.now ?? new Date());
  return { pem: certificate.toString(), metadata };
}
