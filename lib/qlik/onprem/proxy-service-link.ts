/**
 * Linking a virtual proxy to the proxy services, the way QRS requires: read each proxy service, append
 * `{ id }` to `settings.virtualProxies` keeping the existing entries, and PUT the whole entity with the
 * `modifiedDate` it was read with. A 409 means someone saved that proxy service in between: re-read it and
 * try again, a bounded number of times.
 */
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import type { QrsProxyService } from '#lib/qlik/onprem/qrs-types.ts';
import { VirtualProxyError } from '#lib/qlik/onprem/virtual-proxy-settings.ts';

export const MAX_LINK_ATTEMPTS = 3;

export const proxyServiceName = (service: QrsProxyService): string =>
  service.serverNodeConfiguration?.name || service.serverNodeConfiguration?.hostName || service.id;

const isLinked = (service: QrsProxyService, virtualProxyId: string) =>
  (service.settings?.virtualProxies ?? []).some((vp) => vp.id === virtualProxyId);

/** Every proxy service of the site, with the virtual proxies each links (condensed, all settings included). */
export async function readProxyServices(qrs: QrsClient, signal?: AbortSignal): Promise<QrsProxyService[]> {
  const services = await qrs.get<QrsProxyService[]>('/qrs/proxyservice/full', { signal });
  if (services.length === 0) {
    throw new VirtualProxyError(
      'This Qlik Sense site has no proxy service to link the virtual proxy to. Enable the proxy on a node (QMC → Nodes).',
    );
  }
  return services;
}

/** Links the virtual proxy to each of `services` (as read) that lacks it; resolves with those it linked. */
export async function linkToProxyServices(
  qrs: QrsClient,
  services: QrsProxyService[],
  virtualProxyId: string,
  signal?: AbortSignal,
): Promise<QrsProxyService[]> {
  const newlyLinked: QrsProxyService[] = [];
  // One at a time: the test runs on a single kept-alive connection, and sites have one to a handful of proxies.
  for (const service of services) {
    if (await linkOne(qrs, service, virtualProxyId, signal)) newlyLinked.push(service);
  }
  return newlyLinked;
}

/** Resolves true when this call added the link, false when it was there already (or someone else added it). */
async function linkOne(
  qrs: QrsClient,
  service: QrsProxyService,
  virtualProxyId: string,
  signal?: AbortSignal,
): Promise<boolean> {
  let current = service;
  for (let attempt = 1; ; attempt += 1) {
    if (isLinked(current, virtualProxyId)) return false;
    const body: QrsProxyService = {
      ...current,
      settings: {
        ...current.settings,
        virtualProxies: [...(current.settings.virtualProxies ?? []), { id: virtualProxyId }],
      },
    };
    try {
      await qrs.put(`/qrs/proxyservice/${current.id}`, body, { signal });
      return true;
    } catch (error) {
      if (!(error instanceof QrsRequestError && error.status === 409)) throw error;
      if (attempt >= MAX_LINK_ATTEMPTS) {
        throw new VirtualProxyError(
          `Proxy service ${proxyServiceName(current)} kept changing while KPImailer linked the virtual proxy to it (409 Conflict ${attempt} times). Someone may be editing it in the QMC; test again in a moment.`,
          { cause: error },
        );
      }
      current = await qrs.get<QrsProxyService>(`/qrs/proxyservice/${current.id}`, { signal });
    }
  }
}
