/**
 * The destination policy (destination-policy.ts) as undici's connector. Apart from the policy itself so that code
 * which only checks a URL (saving settings) does not load undici.
 */
import { buildConnector } from 'undici';
import {
  DestinationRefusedError,
  destinationPolicySettings,
  hostProblem,
  pinnedLookup,
  type QlikDestinationKind,
} from '#lib/qlik/destination-policy.ts';

/**
 * undici's `connect` for an Agent, Pool or Client: the policy checked on every new connection, then undici's own
 * connector (TLS options as given) with the pinned lookup.
 */
export function pinnedConnector(
  kind: QlikDestinationKind,
  options: buildConnector.BuildOptions,
): buildConnector.connector {
  const connectors = new Map<string, buildConnector.connector>();
  return (connectOptions, callback) => {
    const { protocol, hostname, port } = connectOptions;
    const checked = hostProblem(kind, protocol, hostname, port ? Number(port) : 443, destinationPolicySettings());
    if (checked.problem !== null) {
      callback(new DestinationRefusedError(checked.problem), null);
      return;
    }
    let connect = connectors.get(checked.route);
    if (!connect) {
      connect = buildConnector({
        ...options,
        lookup: pinnedLookup(kind, checked.route),
      } as buildConnector.BuildOptions);
      connectors.set(checked.route, connect);
    }
    connect(connectOptions, callback);
  };
}
