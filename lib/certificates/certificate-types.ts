/** What we record about a certificate: enough to show it to an admin and to warn before it expires. */
export interface CertificateMetadata {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  /** ISO 8601 UTC */
  notBefore: string;
  /** ISO 8601 UTC */
  notAfter: string;
  /** Upper-case hex, colon separated, as Windows and the QMC show it. */
  fingerprintSha256: string;
}

/** The TLS material a Qlik client needs, taken out of an uploaded PKCS#12 file. */
export interface ClientCertificateBundle {
  keyPem: string;
  /** The certificate whose public key matches the private key. */
  certPem: string;
  /** Every other certificate in the file (normally the site's root CA). */
  caPems: string[];
  metadata: CertificateMetadata;
}

export type CertificateProblem =
  | 'not-pkcs12'
  | 'wrong-password'
  | 'no-private-key'
  | 'no-matching-certificate'
  | 'expired'
  | 'not-yet-valid'
  | 'not-a-certificate'
  /** The file asks for more key-derivation work than any real export (pkcs12-work-limits.ts). */
  | 'excessive-iterations';

/** A certificate the service refuses, with a sentence an admin can act on. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
  constructor(
    readonly problem: CertificateProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
