/**
 * What we show an admin about a certificate, read with Node's own X.509 parser so that subject, SANs and
 * fingerprint read exactly as `openssl x509` and the QMC show them, whatever the key type.
 */
import type { X509Certificate } from 'node:crypto';
import { CertificateError, type CertificateMetadata } from '#lib/certificates/certificate-types.ts';

/**
 * Describes a parsed certificate.
 *
 * @example
 * describeCertificate(new X509Certificate(der));
 * // { subject: 'CN=QlikClient', issuer: 'CN=QLIKSERVER-CA', subjectAltNames: [], notBefore: '2025-…Z', … }
 */
export function describeCertificate(certificate: X509Certificate): CertificateMetadata {
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    subjectAltNames: parseSubjectAltNames(certificate.subjectAltName),
    notBefore: certificateDate(certificate.validFrom).toISOString(),
    notAfter: certificateDate(certificate.validTo).toISOString(),
    fingerprintSha256: certificate.fingerprint256,
  };
}

/** Which certificate a validity message talks about, so the admin knows which file to replace. */
export type CertificateRole = 'client certificate' | 'root certificate';

/**
 * Refuses a certificate outside its validity period: a client certificate that has expired would only
 * fail later, at the first TLS handshake with Qlik, with a far less helpful error.
 */
export function assertWithinValidity(metadata: CertificateMetadata, role: CertificateRole, now: Date): void {
  const notBefore = new Date(metadata.notBefore);
  const notAfter = new Date(metadata.notAfter);
  if (now.getTime() > notAfter.getTime()) {
    throw new CertificateError(
      'expired',
      `This ${role} expired on ${readableDate(notAfter)}. Renew the certificates on the Qlik Sense server if needed, ` +
        `export the ${role} again from the QMC (Certificates > Export) and upload the new file.`,
    );
  }
  if (now.getTime() < notBefore.getTime()) {
    throw new CertificateError(
      'not-yet-valid',
      `This ${role} is not valid until ${readableDate(notBefore)}. Check that the clocks of the Qlik Sense server ` +
        `and this service are correct, or upload a certificate that is already valid.`,
    );
  }
}

/** `2026-03-01 12:00 UTC`: unambiguous for admins in any locale. */
export function readableDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// Node prints one RDN per line in certificate order (as `openssl x509 -subject` does) with RFC 4514 escapes
// already applied (`O=Acme\, Inc`), so joining the lines gives `C=SE, O=Acme\, Inc, CN=QlikClient`.
function distinguishedName(multiline: string): string {
  return multiline.split('\n').filter(Boolean).join(', ');
}

// Node 20 has no validToDate; validTo reads `Mar  1 12:00:00 2026 GMT`, which Date parses as UTC.
function certificateDate(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new CertificateError('not-a-certificate', 'The certificate has a validity date that cannot be read.');
  }
  return date;
}

/**
 * The DNS names and IP addresses from Node's `subjectAltName` text, e.g.
 * `DNS:qlikserver01, IP Address:10.0.0.5` gives `['qlikserver01', '10.0.0.5']`. Those are the entries TLS
 * checks a Qlik server's identity against; e-mail, URI and other entries are left out. Node quotes a value
 * that contains a separator as a JSON string (`DNS:"a, b"`), so values are read with that in mind.
 */
export function parseSubjectAltNames(text: string | undefined): string[] {
  const names: string[] = [];
  let rest = text ?? '';
  while (rest.length > 0) {
    const colon = rest.indexOf(':');
    if (colon < 0) break;
    const type = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
    let value: string;
    const quoted = rest.startsWith('"') ? /^"(?:[^"\\]|\\.)*"/.exec(rest) : null;
    if (quoted) {
      value = JSON.parse(quoted[0]) as string;
      rest = rest.slice(quoted[0].length);
    } else {
      const end = rest.indexOf(', ');
      value = end < 0 ? rest : rest.slice(0, end);
      rest = end < 0 ? '' : rest.slice(end);
    }
    if (type === 'DNS' || type === 'IP Address') names.push(value);
    rest = rest.replace(/^, /, '');
  }
  return names;
}
