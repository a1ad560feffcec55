/**
 * The one place an HTTP connection to a Qlik Sense Enterprise host is made: QRS (4242) and the Proxy Service API
 * (4243) with the client certificate, the proxy on the Server URL without one. Every client builds its undici
 * Agent here, so a rule about where KPImailer may connect (a destination policy checked on the resolved address)
 * (lib/qlik/destination-policy.ts, checked on the resolved address and pinned) is applied once and covers them all.
 *
 * @example
 * const agent = createQlikAgent({ connection, target: qlikTarget(connection, connection.proxyApiPort), clientCertificate: true, connectTimeoutMs: 8_000 });
 */
import { performance } from 'node:perf_hooks';
import { TLSSocket, type ConnectionOptions } from 'node:tls';
import { Agent } from 'undici';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { pinnedConnectOptions, type PinnedLookup } from '#lib/qlik/destination-policy.ts';
import { pinnedConnector } from '#lib/qlik/pinned-connector.ts';
import { serverTrustOptions, tlsConnectOptions, type QrsTarget } from '#lib/qlik/onprem/qrs-tls.ts';

export interface QlikAgentOptions {
  connection: OnPremConnection;
  /** Host, port and the name the server certificate must carry (`qlikTarget`). */
  target: QrsTarget;
  /** Mutual TLS (QRS, the Proxy Service API); false for the proxy, which authenticates by its own method. */
  clientCertificate: boolean;
  /** TCP + TLS handshake limit. */
  connectTimeoutMs: number;
  /** Parallel connections; default 1 (one kept-alive TLS session). */
  connections?: number;
  /** Idle time before a kept-alive connection closes; default 10 s, shorter than Qlik's own keep-alive. */
  keepAliveTimeoutMs?: number;
  /** Called when a connection attempt starts and when it ends (the socket on success), for TLS counters. */
  onConnecting?: () => void;
  onConnected?: (socket: TLSSocket | null, ms: number) => void;
}

export function createQlikAgent(options: QlikAgentOptions): Agent {
  const tls = options.clientCertificate
    ? tlsConnectOptions(options.connection)
    : serverTrustOptions(options.connection);
  // Every connection goes through the destination policy, which pins the address it checked.
  const connector = pinnedConnector('onprem', { ...tls, timeout: options.connectTimeoutMs });
  return new Agent({
    connections: options.connections ?? 1,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    connect: (connectOptions, callback) => {
      const started = performance.now();
      options.onConnecting?.();
      // undici passes the URL host as servername and it would win over the one in the connector's options.
      connector({ ...connectOptions, servername: options.target.servername }, (error, socket) => {
        const secure = !error && socket instanceof TLSSocket ? socket : null;
        options.onConnected?.(secure, performance.now() - started);
        if (error) callback(error, null);
        else callback(null, socket);
      });
    },
  });
}

/**
 * Connect options for a raw TLS socket to the proxy (the Engine WebSocket through the virtual proxy, `ws`): the same
 * server trust as the proxy's Agent (no client certificate) and the destination policy's pinned lookup. Throws
 * `DestinationRefusedError` at once for a refused literal address.
 */
export function qlikSocketOptions(
  connection: OnPremConnection,
  target: QrsTarget,
): ConnectionOptions & { lookup: PinnedLookup } {
  return {
    ...serverTrustOptions(connection),
    servername: target.servername,
    ...pinnedConnectOptions('onprem', target.host, target.port),
  };
}
