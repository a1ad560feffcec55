/**
 * Which Qlik Cloud tenant is the saved one, and what tests recorded about the others.
 *
 * `ServerState.tenant` and `ServerState.webhook` describe the saved tenant only: the receiver accepts that tenant's
 * events alone and the server view shows that webhook. A test of a draft for another tenant records what it learned
 * and provisioned under `cloudTenants[<origin>]` instead, so it cannot disturb them; a save adopts the entry of the
 * tenant it now points at.
 */
import { originOf } from '#lib/reloads/webhook-signing-secrets.ts';
import type { ServerRecord, ServerState, TestedCloudTenant, WebhookState } from '#lib/servers/server-record.ts';

/** Drafts tested against ever new tenants must not grow the state item without bound; one or two is the norm. */
const MAX_TESTED_TENANTS = 20;

export interface SavedCloudTenant {
  origin: string;
  /** Qlik's tenant id once a test or the reload monitor learned it for this origin. */
  id: string | null;
}

/** The saved tenant (or, before the first save, the tenant being set up), or null when there is none. */
export function savedCloudTenant(record: ServerRecord | null, state: ServerState): SavedCloudTenant | null {
  if (record?.type !== 'cloud') {
    return !record && state.tenant ? { origin: originOf(state.tenant.url), id: state.tenant.id } : null;
  }
  const origin = originOf(record.settings.url);
  if (state.tenant && originOf(state.tenant.url) === origin) return { origin, id: state.tenant.id };
  return { origin, id: state.cloudTenants?.[origin]?.id ?? null };
}

/** The webhook provisioned earlier in the tenant at `url`, so provisioning finds it even if it was renamed there. */
export function webhookKnownFor(state: ServerState, url: string): WebhookState | null {
  const origin = originOf(url);
  if (state.tenant && originOf(state.tenant.url) === origin && state.webhook) return state.webhook;
  return state.cloudTenants?.[origin]?.webhook ?? null;
}

/**
 * The state a successful cloud test writes: always its tenant's entry; the saved tenant's `tenant` and `webhook`
 * only when the test reached that very tenant (or nothing is saved yet).
 */
export function testedTenantPatch(
  state: ServerState,
  saved: ServerRecord | null,
  tested: { url: string; tenantId: string | null; webhook: WebhookState | null; at: string },
): Partial<ServerState> {
  const origin = originOf(tested.url);
  const entry: TestedCloudTenant = {
    id: tested.tenantId,
    webhook: tested.webhook ?? state.cloudTenants?.[origin]?.webhook ?? null,
    at: tested.at,
  };
  const cloudTenants = newestTenants({ ...state.cloudTenants, [origin]: entry });
  const isSavedTenant = saved?.type === 'cloud' ? originOf(saved.settings.url) === origin : !saved;
  if (!isSavedTenant) return { cloudTenants };
  return {
    cloudTenants,
    ...(tested.webhook ? { webhook: tested.webhook } : {}),
    ...(tested.tenantId ? { tenant: { id: tested.tenantId, url: tested.url } } : {}),
  };
}

/**
 * What a save of cloud settings pointing at `url` sets: the recorded tenant and webhook of that tenant, or none, so
 * the receiver never keeps accepting the previous tenant's events. Null when they already describe it.
 */
export function adoptedTenantPatch(state: ServerState, url: string): Partial<ServerState> | null {
  const origin = originOf(url);
  if (state.tenant && originOf(state.tenant.url) === origin) return null;
  const tested = state.cloudTenants?.[origin];
  return { tenant: tested?.id ? { id: tested.id, url } : null, webhook: tested?.webhook ?? null };
}

function newestTenants(tenants: Record<string, TestedCloudTenant>): Record<string, TestedCloudTenant> {
  const byAge = Object.entries(tenants).sort(([, a], [, b]) => b.at.localeCompare(a.at));
  return Object.fromEntries(byAge.slice(0, MAX_TESTED_TENANTS));
}
