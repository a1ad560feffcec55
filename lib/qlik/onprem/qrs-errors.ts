/**
 * Typed QRS failures. Both keep what a log reader needs (method, path without the xrfkey, host, status,
 * Qlik's own message) and nothing secret: messages are built from names and statuses, never from bodies we
 * sent.
 */
import type { ServerCertificateInfo } from '#lib/qlik/onprem/server-certificate.ts';

/** Qlik answered, with a status the caller did not expect. */
export class QrsRequestError extends Error {
  override readonly name = 'QrsRequestError';
  constructor(
    readonly method: string,
    /** Path and query as sent, minus the xrfkey, e.g. `/qrs/user/full?filter=userId eq 'sa'`. */
    readonly path: string,
    readonly status: number,
    /**
     * Qlik's error text (trimmed), or '' when the body was empty. For telling errors apart only: it is the server's
     * own text, so it never goes into a message, a log line or stored state (see foreign-text.ts).
     */
    readonly qlikMessage: string,
    options?: { cause?: unknown; /** Our own description of what is wrong with the answer. */ problem?: string },
  ) {
    super(`QRS ${method} ${path} answered ${status}${options?.problem ? `: ${options.problem}` : ''}`, options);
  }
}

export type QrsConnectionProblem =
  /** The host name did not resolve. */
  | 'dns'
  /** TCP connection refused: nothing listens on the port. */
  | 'refused'
  /** No route to the host or network. */
  | 'unreachable'
  /** No TCP/TLS connection, or no answer, within the time allowed. */
  | 'timeout'
  /** The server's certificate chain is not signed by a CA we trust. */
  | 'tls-untrusted'
  /** The chain is trusted but issued to other names than the one we checked. */
  | 'tls-hostname'
  /** The server's certificate is expired or not yet valid. */
  | 'tls-expired'
  /** The server accepted TLS but then refused our client certificate with a TLS alert. */
  | 'client-certificate-rejected'
  /** Any other TLS failure (protocol, purpose, ...). */
  | 'tls-other'
  /** The connection dropped before an answer arrived. */
  | 'reset'
  /** The caller aborted (e.g. the check ladder's timeout). */
  | 'aborted'
  /** The destination policy refused the address (loopback, link-local, metadata, ...); nothing was sent. */
  | 'destination-refused';

/** Qlik did not answer over HTTP at all: DNS, TCP or TLS failed, or the answer never came. */
export class QrsConnectionError extends Error {
  override readonly name = 'QrsConnectionError';
  constructor(
    readonly problem: QrsConnectionProblem,
    message: string,
    readonly details: {
      method: string;
      path: string;
      host: string;
      port: number;
      /** Node/OpenSSL/undici error code, e.g. `ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`. */
      code?: string;
      /** The name the certificate was checked against (the certificate host name setting or the URL's host). */
      checkedName?: string;
      /** Read from the TLS socket (or a separate probe) when the failure is about the server certificate. */
      serverCertificate?: ServerCertificateInfo;
      /** Whether the TCP/TLS connection was up when the failure happened. */
      connected?: boolean;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
