/**
 * The `kpimailer` virtual proxy: KPImailer's own door into Qlik Sense for the sessions it opens as the
 * service account (ticket authentication: proxy-session.ts). The connection test provisions it and keeps it
 * correct: create it when missing, adjust only the fields that drifted (a proxy an earlier version created with
 * header authentication is converted in place), and link it to every proxy service. The already-correct path
 * costs two GETs.
 */
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { linkToProxyServices, proxyServiceName, readProxyServices } from '#lib/qlik/onprem/proxy-service-link.ts';
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import { qrsCompare, qrsOr } from '#lib/qlik/onprem/qrs-filter.ts';
import type { QrsProxyService, QrsServerNodeConfiguration, QrsVirtualProxyConfig } from '#lib/qlik/onprem/qrs-types.ts';
import {
  VirtualProxyError,
  describeDrift,
  desiredVirtualProxy,
  driftedFields,
  withDesired,
  type DesiredVirtualProxy,
} from '#lib/qlik/onprem/virtual-proxy-settings.ts';

export const VIRTUAL_PROXY_PREFIX = 'kpimailer';
const MAX_WRITE_ATTEMPTS = 3;

export interface VirtualProxyOutcome {
  id: string;
  prefix: string;
  sessionCookieHeaderName: string;
  status: 'created' | 'adjusted' | 'already correct';
  /** What an adjustment changed, in words (`authentication changed from header to ticket`, `linked to …`). */
  adjusted: string[];
  engineNodes: string[];
  proxyServices: string[];
  desired: DesiredVirtualProxy;
}

interface CallContext {
  qrs: QrsClient;
  signal?: AbortSignal;
}

/**
 * Finds, creates or adjusts the virtual proxy, then makes sure every proxy service links it.
 *
 * The proxy services list embeds every linked virtual proxy in its condensed form, which carries all the
 * fields we manage, so a provisioned site is checked with two GETs (server nodes, proxy services). The full
 * entity (with the modifiedDate a PUT needs) is read only when something drifted; the prefix lookup only when
 * no proxy service links ours.
 */
export async function ensureVirtualProxy(
  qrs: QrsClient,
  connection: OnPremConnection,
  signal?: AbortSignal,
): Promise<VirtualProxyOutcome> {
  const call = { qrs, signal };
  const nodes = await qrs.get<QrsServerNodeConfiguration[]>('/qrs/servernodeconfiguration/full', { signal });
  const engineNodes = nodes.filter((node) => node.engineEnabled === true);
  if (engineNodes.length === 0) {
    throw new VirtualProxyError(
      'No server node of this Qlik Sense site has the engine enabled, so the virtual proxy would have nowhere to send sessions. Enable the engine on a node (QMC → Nodes) and test again.',
    );
  }
  const desired = desiredVirtualProxy(connection, engineNodes, VIRTUAL_PROXY_PREFIX);
  const services = await readProxyServices(qrs, signal);

  let proxy: QrsVirtualProxyConfig;
  let status: VirtualProxyOutcome['status'] = 'already correct';
  let adjusted: string[] = [];
  const linked = linkedCopy(services);
  if (linked && driftedFields(linked, desired).length === 0) {
    proxy = linked;
  } else {
    const existing = linked
      ? await qrs.get<QrsVirtualProxyConfig>(`/qrs/virtualproxyconfig/${linked.id}`, { signal })
      : await findByPrefix(call);
    if (!existing) {
      proxy = await create(call, desired);
      status = 'created';
    } else {
      ({ proxy, adjusted } = await adjust(call, existing, desired));
      if (adjusted.length > 0) status = 'adjusted';
    }
  }

  const newlyLinked = await linkToProxyServices(qrs, services, proxy.id, signal);
  if (newlyLinked.length > 0 && status !== 'created') {
    status = 'adjusted';
    adjusted = [...adjusted, `linked to ${newlyLinked.map(proxyServiceName).join(', ')}`];
  }
  return {
    id: proxy.id,
    prefix: proxy.prefix,
    sessionCookieHeaderName: proxy.sessionCookieHeaderName || desired.entity.sessionCookieHeaderName,
    status,
    adjusted,
    engineNodes: engineNodes.map((n) => n.name || n.hostName),
    proxyServices: services.map(proxyServiceName),
    desired,
  };
}

/** Our virtual proxy as embedded (condensed) in a proxy service that links it. */
function linkedCopy(services: QrsProxyService[]): QrsVirtualProxyConfig | undefined {
  for (const service of services) {
    const found = (service.settings?.virtualProxies ?? []).find((vp) => vp.prefix === VIRTUAL_PROXY_PREFIX);
    if (found) return found as QrsVirtualProxyConfig;
  }
  return undefined;
}

async function findByPrefix({ qrs, signal }: CallContext): Promise<QrsVirtualProxyConfig | undefined> {
  // /full (not the condensed list): it carries modifiedDate, which the adjusting PUT needs.
  const found = await qrs.get<QrsVirtualProxyConfig[]>('/qrs/virtualproxyconfig/full', {
    filter: qrsCompare('prefix', 'eq', VIRTUAL_PROXY_PREFIX),
    signal,
  });
  // The filter compares case-insensitively; prefixes are lowercase by Qlik's rules, so an exact match is safe.
  return found.find((p) => p.prefix === VIRTUAL_PROXY_PREFIX) ?? found[0];
}

async function create(call: CallContext, desired: DesiredVirtualProxy): Promise<QrsVirtualProxyConfig> {
  try {
    return await call.qrs.post<QrsVirtualProxyConfig>('/qrs/virtualproxyconfig', desired.entity, {
      signal: call.signal,
    });
  } catch (error) {
    if (!(error instanceof QrsRequestError && error.status === 400)) throw error;
    // Qlik answers 400 when the prefix or the session cookie header name is taken. Find out which rather than
    // parse a message whose wording is not documented.
    const clashes = await call.qrs.get<QrsVirtualProxyConfig[]>('/qrs/virtualproxyconfig/full', {
      filter: qrsOr(
        qrsCompare('prefix', 'eq', VIRTUAL_PROXY_PREFIX),
        qrsCompare('sessionCookieHeaderName', 'eq', desired.entity.sessionCookieHeaderName),
      ),
      signal: call.signal,
    });
    const samePrefix = clashes.find((p) => p.prefix === VIRTUAL_PROXY_PREFIX);
    // Another test (or an admin) created it in the meantime: use it.
    if (samePrefix) return (await adjust(call, samePrefix, desired)).proxy;
    if (clashes.length === 0) throw error;
    // Another virtual proxy already uses our cookie name: pick one that is ours alone.
    const unique = `${desired.entity.sessionCookieHeaderName}-${Date.now().toString(36)}`;
    return call.qrs.post<QrsVirtualProxyConfig>(
      '/qrs/virtualproxyconfig',
      { ...desired.entity, sessionCookieHeaderName: unique },
      { signal: call.signal },
    );
  }
}

/** PUTs the whole entity with only the drifted fields changed; on 409 re-reads and tries again. */
async function adjust(
  call: CallContext,
  existing: QrsVirtualProxyConfig,
  desired: DesiredVirtualProxy,
): Promise<{ proxy: QrsVirtualProxyConfig; adjusted: string[] }> {
  let current = existing;
  let firstDrift: string[] | undefined;
  for (let attempt = 1; ; attempt += 1) {
    const fields = driftedFields(current, desired);
    firstDrift ??= describeDrift(current, fields);
    if (fields.length === 0) return { proxy: current, adjusted: firstDrift };
    try {
      const saved = await call.qrs.put<QrsVirtualProxyConfig>(
        `/qrs/virtualproxyconfig/${current.id}`,
        withDesired(current, desired, fields),
        {
          signal: call.signal,
        },
      );
      return { proxy: saved ?? current, adjusted: describeDrift(current, fields) };
    } catch (error) {
      if (!(error instanceof QrsRequestError && error.status === 409) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      current = await call.qrs.get<QrsVirtualProxyConfig>(`/qrs/virtualproxyconfig/${current.id}`, {
        signal: call.signal,
      });
    }
  }
}
