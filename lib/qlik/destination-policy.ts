/**
 * Where KPImailer may connect to reach Qlik: the one destination policy (server-side request forgery defence) every
 * outbound Qlik connection goes through, and the save/test check that answers `400` naming `url`.
 *
 * - Qlik Cloud: https on port 443 to a host under a Qlik Cloud domain (`.qlikcloud.com`, `.qlikcloudgov.com`) or one
 *   the operator lists in `KPIMAILER_QLIK_CLOUD_HOSTS` (comma-separated suffixes; the stack's `qlikCloudHosts`).
 * - Qlik Sense Enterprise (on-premise): any host and port (customers' Qlik servers live on private networks).
 * - Both: never an address that is loopback, link-local, a cloud metadata endpoint, unspecified, multicast, broadcast
 *   or reserved, also when it hides inside an IPv6 address (IPv4-mapped, IPv4-compatible, NAT64).
 * - `KPIMAILER_ALLOW_LOOPBACK_QLIK=true` (local development and tests only; the stack never sets it) lets loopback
 *   addresses through for both types, on any port, as if they were listed hosts. Link-local and metadata stay blocked.
 *
 * Why at connect time: a save-time check alone is undone by DNS rebinding (the name resolves to a harmless address
 * when checked, to 169.254.169.254 a second later). So the connection's own DNS lookup is replaced by one that checks
 * every resolved address and hands the socket exactly the checked address: there is no second resolution to switch.
 * A literal IP address never reaches a lookup (Node connects to it directly), so connectors check it first.
 *
 * @example An undici dispatcher (the QRS Agent, the Qlik Cloud Pool; pinned-connector.ts) and a raw TLS socket:
 *   new Agent({ connect: pinnedConnector('onprem', { cert, key, ca, timeout: 8_000 }) });
 *   tls.connect({ host, port, ...pinnedConnectOptions('onprem', host, port) });
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export type QlikDestinationKind = 'onprem' | 'cloud';

export interface DestinationPolicySettings {
  /** Host suffixes a Qlik Cloud tenant URL may use: the built-in Qlik Cloud domains plus the operator's. */
  cloudHostSuffixes: readonly string[];
  /** `KPIMAILER_ALLOW_LOOPBACK_QLIK=true`: loopback addresses pass, for local development and tests only. */
  allowLoopback: boolean;
}

/** Resolves a host name to every address it has (what `dns.lookup(host, { all: true })` returns). */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export const QLIK_CLOUD_HOST_SUFFIXES = ['.qlikcloud.com', '.qlikcloudgov.com'] as const;
export const DESTINATION_REFUSED = 'ERR_KPIMAILER_DESTINATION_REFUSED';

/** The policy refused a destination; `message` is a sentence an admin can act on, naming only what they typed. */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
  readonly code = DESTINATION_REFUSED;
}

/** A host suffix of at least two labels (`qlik.example.com`, `.example.com`): never a bare top-level domain. */
const HOST_SUFFIX = /^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

/**
 * The operator's Qlik Cloud host suffixes from `KPIMAILER_QLIK_CLOUD_HOSTS` (or the stack's `qlikCloudHosts`):
 * comma-separated, lower-cased; entries that are not host suffixes come back as `invalid` (the stack refuses them
 * at synth; at run time they are ignored, so a typo can never open every `.com`).
 */
export function parseQlikCloudHosts(value: string): { hosts: string[]; invalid: string[] } {
  const entries = value
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  return {
    hosts: entries.filter((host) => HOST_SUFFIX.test(host)),
    invalid: entries.filter((host) => !HOST_SUFFIX.test(host)),
  };
}

/**
 * Reads the two switches from the environment (the functions' and the local runtime's; both are described in
 * lib/aws/environment.ts). Read on every check rather than once, so a test can turn the loopback switch off and on.
 */
export function destinationPolicySettings(env: NodeJS.ProcessEnv = process.env): DestinationPolicySettings {
  const operatorHosts = parseQlikCloudHosts(env.KPIMAILER_QLIK_CLOUD_HOSTS ?? '').hosts;
  return {
    cloudHostSuffixes: [...QLIK_CLOUD_HOST_SUFFIXES, ...operatorHosts],
    allowLoopback: env.KPIMAILER_ALLOW_LOOPBACK_QLIK === 'true',
  };
}

const defaultResolver: HostResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });
let resolver: HostResolver = defaultResolver;

/**
 * Replaces DNS for every policy check and pinned connection in this process; tests use it to play a rebinding
 * resolver. `undefined` restores the system resolver.
 */
export function setHostResolver(replacement: HostResolver | undefined): void {
  resolver = replacement ?? defaultResolver;
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses

type AddressClass = 'loopback' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'broadcast' | 'reserved';

function blockList(entries: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of entries) list.addSubnet(network, prefix, family);
  return list;
}

// Checked in this order, so the metadata address is named as such rather than as link-local. Built on first use:
// the settings API imports this module for saves and tests, and its other requests need not build the lists.
let classes: Array<[AddressClass, BlockList]> | undefined;
const addressClasses = (): Array<[AddressClass, BlockList]> =>
  (classes ??= [
    [
      'metadata',
      blockList([
        ['169.254.169.254', 32, 'ipv4'],
        ['fd00:ec2::254', 128, 'ipv6'],
      ]),
    ],
    [
      'loopback',
      blockList([
        ['127.0.0.0', 8, 'ipv4'],
        ['::1', 128, 'ipv6'],
      ]),
    ],
    [
      'link-local',
      blockList([
        ['169.254.0.0', 16, 'ipv4'],
        ['fe80::', 10, 'ipv6'],
      ]),
    ],
    [
      'unspecified',
      blockList([
        ['0.0.0.0', 8, 'ipv4'],
        ['::', 128, 'ipv6'],
      ]),
    ],
    [
      'multicast',
      blockList([
        ['224.0.0.0', 4, 'ipv4'],
        ['ff00::', 8, 'ipv6'],
      ]),
    ],
    ['broadcast', blockList([['255.255.255.255', 32, 'ipv4']])],
    ['reserved', blockList([['240.0.0.0', 4, 'ipv4']])],
  ]);

const DESCRIPTIONS: Record<AddressClass, string> = {
  metadata: 'a cloud metadata address',
  loopback: "a loopback address (this service's own machine)",
  'link-local': 'a link-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  reserved: 'a reserved address',
};

/** The IPv4 address an IPv6 address carries (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96), if any. */
function embeddedIPv4(address: string): string | null {
  const groups = expandIPv6(address);
  if (!groups) return null;
  const zeroPrefix = groups.slice(0, 5).every((g) => g === 0);
  const mapped = zeroPrefix && groups[5] === 0xffff;
  const compatible = zeroPrefix && groups[5] === 0 && (groups[6] !== 0 || groups[7]! > 1);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !compatible && !nat64) return null;
  return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
}

function expandIPv6(address: string): number[] | null {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const octets = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const groups =
    tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** What kind of forbidden address `address` is, or null for an ordinary (public or private) one. */
export function classifyAddress(address: string): AddressClass | null {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [name, list] of addressClasses()) if (list.check(bare, type)) return name;
  const inner = family === 6 ? embeddedIPv4(bare) : null;
  return inner ? classifyAddress(inner) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

function isListedCloudHost(hostname: string, settings: DestinationPolicySettings): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return settings.cloudHostSuffixes.some((suffix) =>
    // `.example.com` admits sub-domains only; `qlik.example.com` also itself (a tenant's custom domain).
    suffix.startsWith('.')
      ? host.endsWith(suffix) && host.length > suffix.length
      : host === suffix || host.endsWith(`.${suffix}`),
  );
}

function addressProblem(
  kind: QlikDestinationKind,
  address: string,
  settings: DestinationPolicySettings,
  hostname: string,
): string | null {
  const found = classifyAddress(address);
  const where = hostname === address ? address : `${hostname} (${address})`;
  if (found === 'loopback' && settings.allowLoopback) return null;
  if (found) {
    const hint =
      found === 'loopback'
        ? ' Loopback is allowed only in local development (KPIMAILER_ALLOW_LOOPBACK_QLIK=true).'
        : '';
    return `KPImailer does not connect to ${where}: it is ${DESCRIPTIONS[found]}. Enter the address of your Qlik ${kind === 'cloud' ? 'Cloud tenant' : 'server'}.${hint}`;
  }
  return null;
}

const CLOUD_HOSTS_HINT =
  'Qlik Cloud tenant URLs end in .qlikcloud.com or .qlikcloudgov.com (or a domain listed in KPIMAILER_QLIK_CLOUD_HOSTS)';

/**
 * What is wrong with a destination before any DNS: the scheme, the port and the host name's domain (Qlik Cloud), and
 * a literal IP address. `route` says how the resolved addresses must then be judged: `listed` (the blocked classes)
 * or `loopback-only` (an unlisted Qlik Cloud host, admitted only because it may be a local simulator).
 */
export function hostProblem(
  kind: QlikDestinationKind,
  protocol: string,
  hostname: string,
  port: number,
  settings: DestinationPolicySettings,
): { problem: string; route?: never } | { problem: null; route: 'listed' | 'loopback-only' } {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  if (protocol !== 'https:')
    return { problem: `KPImailer reaches Qlik over https only, not ${protocol.replace(/:$/, '')}.` };
  if (isIP(host)) {
    const problem = addressProblem(kind, host, settings, host);
    if (problem) return { problem };
    if (kind === 'cloud' && classifyAddress(host) !== 'loopback')
      return { problem: `${host} is not a Qlik Cloud address. ${CLOUD_HOSTS_HINT}.` };
    return { problem: null, route: 'listed' };
  }
  if (kind === 'onprem') return { problem: null, route: 'listed' };
  if (isListedCloudHost(host, settings)) {
    return port === 443
      ? { problem: null, route: 'listed' }
      : { problem: `Qlik Cloud tenants answer on port 443 only: remove :${port} from the Tenant URL.` };
  }
  if (settings.allowLoopback) return { problem: null, route: 'loopback-only' };
  return { problem: `${host} is not a Qlik Cloud address. ${CLOUD_HOSTS_HINT}.` };
}

function resolvedProblem(
  kind: QlikDestinationKind,
  hostname: string,
  addresses: readonly LookupAddress[],
  route: 'listed' | 'loopback-only',
  settings: DestinationPolicySettings,
): string | null {
  for (const { address } of addresses) {
    const problem = addressProblem(kind, address, settings, hostname);
    if (problem) return problem;
    if (route === 'loopback-only' && classifyAddress(address) !== 'loopback')
      return `${hostname} is not a Qlik Cloud address. ${CLOUD_HOSTS_HINT}.`;
  }
  return null;
}

const portOf = (url: URL) => (url.port ? Number(url.port) : 443);

/**
 * The save and test check: the sentence for `errors: [{field: 'url', ...}]`, or null when the URL may be used.
 * A name that does not resolve from here is accepted (it may resolve only where the service runs); connections
 * check again, every time.
 *
 * @param port The port the connection will use (on-premise: the repository port); defaults to the URL's.
 */
export async function destinationProblem(
  kind: QlikDestinationKind,
  url: string,
  port?: number,
  settings = destinationPolicySettings(),
): Promise<string | null> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const checked = hostProblem(kind, parsed.protocol, host, port ?? portOf(parsed), settings);
  if (checked.problem !== null || isIP(host)) return checked.problem;
  let addresses: LookupAddress[];
  try {
    addresses = await resolver(host);
  } catch {
    return checked.route === 'loopback-only' ? `${host} is not a Qlik Cloud address. ${CLOUD_HOSTS_HINT}.` : null;
  }
  return resolvedProblem(kind, host, addresses, checked.route, settings);
}

// ---------------------------------------------------------------------------------------------------------------
// Connections

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The `lookup` option of `net.connect`/`tls.connect` (and so of undici's connect options and `ws`). */
export type PinnedLookup = (
  hostname: string,
  options: LookupOneOptions | LookupAllOptions,
  callback: LookupCallback,
) => void;

/**
 * A `lookup` that resolves, refuses the connection when any address is forbidden, and returns the checked addresses
 * as the only ones the socket may use. The settings are read per lookup, so a process sees the switches it runs with.
 */
export function pinnedLookup(kind: QlikDestinationKind, route: 'listed' | 'loopback-only' = 'listed'): PinnedLookup {
  return (hostname, options, callback) => {
    const settings = destinationPolicySettings();
    resolver(hostname).then(
      (all) => {
        const wanted =
          options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        const problem = resolvedProblem(kind, hostname, all, route, settings);
        if (problem) return callback(new DestinationRefusedError(problem), '');
        if (wanted.length === 0)
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/**
 * Connect options for a raw `net`/`tls` socket (or a WebSocket client that takes them): throws
 * `DestinationRefusedError` at once for a refused scheme, port or literal address; otherwise returns the `lookup`
 * that checks and pins the resolved address.
 */
export function pinnedConnectOptions(
  kind: QlikDestinationKind,
  hostname: string,
  port: number,
): { lookup: PinnedLookup } {
  const checked = hostProblem(kind, 'https:', hostname, port, destinationPolicySettings());
  if (checked.problem !== null) throw new DestinationRefusedError(checked.problem);
  return { lookup: pinnedLookup(kind, checked.route) };
}

/** The refusal in `error`'s cause chain, for its message. */
export function destinationRefusalOf(error: unknown): DestinationRefusedError | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth += 1) {
    if (e instanceof DestinationRefusedError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}
