/**
 * What Qlik's server certificate says about itself. When TLS verification fails, the admin needs the names
 * the certificate carries (Qlik issues it to the machine name the node was installed with, which is rarely
 * the host in the Server URL) to fill in "Certificate host name".
 */
import { connect, type PeerCertificate } from 'node:tls';
import { pinnedConnectOptions } from '#lib/qlik/destination-policy.ts';
import { safeCertificateName } from '#lib/qlik/foreign-text.ts';

export interface ServerCertificateInfo {
  /** Subject common name, e.g. `QLIKSERVER`. */
  subject: string;
  /** Every name the certificate is valid for: subject CN plus DNS and IP subject alternative names. */
  names: string[];
  /** Issuer common name, e.g. `QLIKSERVER-CA`. */
  issuer: string;
  /** ISO 8601 */
  validTo: string;
}

const firstOf = (value: string | string[] | undefined): string =>
  Array.isArray(value) ? (value[0] ?? '') : (value ?? '');

/** Turns Node's peer certificate into names; `undefined` when the socket had no certificate. */
export function describePeerCertificate(cert: PeerCertificate | undefined | null): ServerCertificateInfo | undefined {
  if (!cert || !cert.subject) return undefined;
  // The names are the server's own choice and reach admin messages, so they are kept to name characters.
  const subject = safeCertificateName(firstOf(cert.subject.CN as string | string[] | undefined));
  const altNames = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .map((entry) => safeCertificateName(entry.replace(/^(DNS|IP Address):/, '').trim()))
    .filter(Boolean);
  const names = [...new Set([subject, ...altNames].filter(Boolean))].slice(0, 20);
  const validTo =
    cert.valid_to && !Number.isNaN(Date.parse(cert.valid_to)) ? new Date(cert.valid_to).toISOString() : '';
  return {
    subject,
    names,
    issuer: safeCertificateName(firstOf(cert.issuer?.CN as string | string[] | undefined)),
    validTo,
  };
}

/**
 * Reads the server certificate without trusting it: a separate handshake with verification off that sends
 * nothing and closes at once. Used only after a trust failure, whose error does not carry the certificate.
 * Resolves `undefined` when even this fails (the server is gone, or it is not TLS).
 */
export function probeServerCertificate(options: {
  host: string;
  port: number;
  servername?: string;
  timeoutMs: number;
}): Promise<ServerCertificateInfo | undefined> {
  let pinned: ReturnType<typeof pinnedConnectOptions>;
  try {
    pinned = pinnedConnectOptions('onprem', options.host, options.port);
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const socket = connect({
      host: options.host,
      port: options.port,
      servername: options.servername,
      rejectUnauthorized: false,
      ...pinned,
    });
    const done = (info: ServerCertificateInfo | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(info);
    };
    const timer = setTimeout(() => done(undefined), options.timeoutMs);
    socket.once('secureConnect', () => done(describePeerCertificate(socket.getPeerCertificate())));
    socket.once('error', () => done(undefined));
  });
}

/** `QLIKSERVER, qlikserver.corp.local` */
export function listNames(info: ServerCertificateInfo | undefined): string {
  return info && info.names.length > 0 ? info.names.join(', ') : '(none could be read)';
}
