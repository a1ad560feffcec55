/**
 * Turns a failed QRS call that never got an HTTP answer into a `QrsConnectionError` whose message an admin
 * can act on: DNS, refused, no route and timeouts are told apart from TLS trust problems, and those name
 * what the server's certificate carries.
 */
import { QrsConnectionError, type QrsConnectionProblem } from '#lib/qlik/onprem/qrs-errors.ts';
import {
  describePeerCertificate,
  listNames,
  probeServerCertificate,
  type ServerCertificateInfo,
} from '#lib/qlik/onprem/server-certificate.ts';
import type { PeerCertificate } from 'node:tls';
import { destinationRefusalOf } from '#lib/qlik/destination-policy.ts';

export interface FailedCall {
  method: string;
  path: string;
  host: string;
  port: number;
  /** The name the server certificate is checked against, and where it came from. */
  checkedName: string;
  checkedNameSource: 'certificateHostName' | 'url';
  /** Sent as SNI when probing, so a multi-certificate server shows the certificate it showed us. */
  servername?: string;
  /** A TCP/TLS connection was established for this call (so a timeout is "no answer", not "no connection"). */
  connected: boolean;
  /** Set when the call's own timer fired. */
  timedOutAfterMs?: number;
  /** The TCP + TLS limit, reported when the connector gave up. */
  connectTimeoutMs?: number;
  abortedByCaller: boolean;
}

/** The parts of a failed call that come from where it went (`qlikTarget`). */
export const targetOfCall = (target: {
  host: string;
  port: number;
  checkedName: string;
  checkedNameSource: FailedCall['checkedNameSource'];
  servername: string | undefined;
}) => ({
  host: target.host,
  port: target.port,
  checkedName: target.checkedName,
  checkedNameSource: target.checkedNameSource,
  servername: target.servername,
});

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const CONNECT_TIMEOUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const ANSWER_TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** TLS alerts a server sends when it does not accept the client certificate it asked for. */
const CLIENT_CERT_ALERT =
  /^ERR_SSL_(TLSV13_ALERT_CERTIFICATE_REQUIRED|SSLV3_ALERT_BAD_CERTIFICATE|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_CERTIFICATE_UNKNOWN|TLSV1_ALERT_ACCESS_DENIED|SSLV3_ALERT_UNSUPPORTED_CERTIFICATE|SSLV3_ALERT_CERTIFICATE_EXPIRED|SSLV3_ALERT_CERTIFICATE_REVOKED)$/;

/** The code of an error or of the first coded error in its cause chain (undici wraps some). */
export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** undici's SocketError describes the socket it lost; `bytesRead` 0 means no answer ever came on it. */
function socketBytesRead(error: unknown): number | undefined {
  const socket = (error as { socket?: { bytesRead?: unknown } } | undefined)?.socket;
  return typeof socket?.bytesRead === 'number' ? socket.bytesRead : undefined;
}

function problemOf(error: unknown, call: FailedCall, code: string | undefined): QrsConnectionProblem {
  if (destinationRefusalOf(error)) return 'destination-refused';
  if (call.abortedByCaller) return 'aborted';
  if (call.timedOutAfterMs !== undefined) return 'timeout';
  if (!code) return 'reset';
  if (DNS.has(code)) return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (CONNECT_TIMEOUT.has(code) || ANSWER_TIMEOUT.has(code)) return 'timeout';
  if (UNTRUSTED.has(code)) return 'tls-untrusted';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'tls-hostname';
  if (EXPIRED.has(code)) return 'tls-expired';
  if (CLIENT_CERT_ALERT.test(code)) return 'client-certificate-rejected';
  // Under TLS 1.3 a server that refuses the client certificate may just close the connection after the
  // handshake, so the alert never surfaces: a verified handshake followed by a close with no byte of answer.
  if (RESET.has(code)) return call.connected && socketBytesRead(error) === 0 ? 'client-certificate-rejected' : 'reset';
  if (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code === 'EPROTO' ||
    /CERT|SIGNATURE|PURPOSE/.test(code)
  ) {
    return 'tls-other';
  }
  return 'reset';
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Builds the typed error; may open one extra, unverified TLS handshake to read the server's names. */
export async function toConnectionError(error: unknown, call: FailedCall): Promise<QrsConnectionError> {
  const code = errorCode(error);
  const problem = problemOf(error, call, code);
  const where = `${call.host}:${call.port}`;
  const waitedMs = call.timedOutAfterMs ?? (code && CONNECT_TIMEOUT.has(code) ? call.connectTimeoutMs : undefined) ?? 0;
  let serverCertificate: ServerCertificateInfo | undefined;
  if (problem === 'tls-hostname') {
    // Node's hostname check error carries the certificate it rejected.
    serverCertificate = describePeerCertificate((error as { cert?: PeerCertificate }).cert);
  }
  if (problem.startsWith('tls-') && !serverCertificate) {
    serverCertificate = await probeServerCertificate({
      host: call.host,
      port: call.port,
      servername: call.servername,
      timeoutMs: 3000,
    });
  }
  const names = listNames(serverCertificate);
  const issuedTo = serverCertificate
    ? `issued to ${names} by ${serverCertificate.issuer || 'an unnamed issuer'}`
    : 'its names could not be read';
  const settingHint =
    call.checkedNameSource === 'url'
      ? `not to ${call.checkedName} (the Server URL's host). Qlik issues this certificate to the machine name the node was installed with: set Certificate host name to one of: ${names}.`
      : `not to ${call.checkedName} (the Certificate host name setting). Change Certificate host name to one of: ${names}.`;

  const messages: Record<QrsConnectionProblem, string> = {
    dns: `The host name ${call.host} could not be resolved (DNS ${code ?? 'failure'}). Check the Server URL and that this service's network can resolve it.`,
    refused: `${where} refused the connection: nothing accepts connections on port ${call.port}. Check that the Qlik Sense Repository Service is running and that the Repository port (default 4242) is right.`,
    unreachable: `There is no network route to ${where} (${code}). Check the Server URL and the network path (VPN, routing) from this service to Qlik.`,
    timeout: call.connected
      ? `${where} accepted the connection but did not answer ${call.method} ${call.path} within ${seconds(waitedMs)}. The Qlik Sense Repository Service may be overloaded or starting up; try again.`
      : `No connection to ${where} within ${seconds(waitedMs)} (TCP/TLS timed out). A firewall may be dropping traffic to port ${call.port}, or the host is down.`,
    'tls-untrusted': `The server certificate of ${where} (${issuedTo}) is not signed by a CA in the uploaded certificate bundle or root certificate (${code}). Upload this Qlik site's root certificate (root.pem / root.cer from the QMC certificate export, or export the client certificate with the CA included), or, in a lab only, turn on allowUntrustedServerCertificate.`,
    'tls-hostname': `The server certificate of ${where} is issued to ${names}, ${settingHint}`,
    'tls-expired': `The server certificate of ${where} (${issuedTo}) is ${code === 'CERT_NOT_YET_VALID' ? 'not valid yet' : `expired${serverCertificate?.validTo ? ` since ${serverCertificate.validTo}` : ''}`}. Renew Qlik Sense's certificates on the server, or check its clock.`,
    'client-certificate-rejected': call.connected
      ? `${where} completed the TLS handshake, then closed the connection without answering (${code}): it refused the client certificate.`
      : `${where} refused the client certificate during the TLS handshake (${code}).`,
    'tls-other': `The TLS connection to ${where} failed (${code}). Check that the Repository port is Qlik's QRS port and that the uploaded certificate is the client certificate exported from this site's QMC.`,
    reset: `${where} closed the connection before answering ${call.method} ${call.path}${code ? ` (${code})` : ''}. Check that the Repository port is the QRS port (default 4242), not the proxy or engine port.`,
    aborted: `${call.method} ${call.path} on ${where} was cancelled.`,
    'destination-refused': destinationRefusalOf(error)?.message ?? `KPImailer does not connect to ${where}.`,
  };
  return new QrsConnectionError(
    problem,
    messages[problem],
    {
      method: call.method,
      path: call.path,
      host: call.host,
      port: call.port,
      code,
      checkedName: call.checkedName,
      serverCertificate,
      connected: call.connected,
    },
    { cause: error },
  );
}
