/**
 * How the QRS connection is secured. Secure by default: Qlik's server certificate must chain to a CA from the
 * uploaded bundle (or the uploaded root certificate) and carry the name we check. Qlik issues that
 * certificate to the machine name the node was installed with, so when the Server URL uses another name (a
 * DNS alias, an IP) the admin sets `certificateHostName`; it becomes the TLS servername (SNI and the name
 * verified), so the chain is still fully checked. `allowUntrustedServerCertificate` turns every check off and
 * is meant for labs only; the connection test says so on every line.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';

export interface QrsTarget {
  /** `https://host:4242` (or the port of whichever Qlik service on the Server URL's host) */
  origin: string;
  host: string;
  port: number;
  /** The name the server certificate must carry. */
  checkedName: string;
  checkedNameSource: 'certificateHostName' | 'url';
  /** SNI; absent for IP addresses, which TLS does not allow as a servername. */
  servername: string | undefined;
}

export function qrsTarget(connection: OnPremConnection): QrsTarget {
  return qlikTarget(connection, connection.repositoryPort);
}

/**
 * A Qlik service on the Server URL's host: QRS (`repositoryPort`), the Proxy Service API (`proxyApiPort`), or the
 * proxy itself (`null`: the Server URL's own port). Every one presents a certificate Qlik issued to the machine
 * name, so all are checked against the same name.
 */
export function qlikTarget(connection: OnPremConnection, port: number | null): QrsTarget {
  const url = new URL(connection.url);
  // URL keeps IPv6 hosts in brackets; sockets and certificates want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (port !== null) url.port = String(port);
  const override = connection.certificateHostName?.trim() || null;
  const checkedName = override ?? host;
  return {
    origin: url.origin,
    host,
    port: port ?? (url.port ? Number(url.port) : 443),
    checkedName,
    checkedNameSource: override ? 'certificateHostName' : 'url',
    servername: isIP(checkedName) ? undefined : checkedName,
  };
}

/** TLS options for undici's connector (and nothing else: the key never leaves this object). */
export function tlsConnectOptions(connection: OnPremConnection): ConnectionOptions {
  return { cert: connection.tls.certPem, key: connection.tls.keyPem, ...serverTrustOptions(connection) };
}

/**
 * How Qlik's server certificate is verified, without a client certificate: for the proxy on the Server URL,
 * which authenticates by the virtual proxy's method and never asks for one. The Engine WebSocket through the
 * proxy uses the same options.
 */
export function serverTrustOptions(connection: OnPremConnection): ConnectionOptions {
  const target = qrsTarget(connection);
  return {
    // With no CA uploaded, Node's public roots apply, which a Qlik self-signed site never chains to; the
    // failure message then asks for the root certificate.
    ca: connection.tls.caPems.length > 0 ? connection.tls.caPems : undefined,
    servername: target.servername,
    // Always check the name we mean, whatever SNI undici ends up sending (it derives one from the URL's
    // host name and that wins over `servername` here; qrs-client.ts overrides it per connection too).
    checkServerIdentity: (_host, cert) => checkServerIdentity(target.checkedName, cert),
    rejectUnauthorized: !connection.allowUntrustedServerCertificate,
  };
}
