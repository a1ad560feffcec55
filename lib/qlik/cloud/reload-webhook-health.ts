/**
 * The reload monitor's view of the Qlik Cloud reload webhook: is it there, enabled and pointed at us? Reading is
 * the lookup of webhook-subscription.ts (the stored id, else `kpimailer` webhooks posting to our URL); any repair
 * (re-enable, recreate, drift) is `provisionReloadWebhook` with that lookup prefetched, so the monitor and the
 * connection test share one definition of "healthy" and one way to fix it.
 *
 * A healthy webhook costs two GETs per run and writes nothing.
 */
import { safeErrorCode, safeErrorTitle } from '#lib/qlik/foreign-text.ts';
import type { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import type { WebhookProvisioningPort } from '#lib/qlik/cloud/webhook-ports.ts';
import {
  lookupReloadWebhooks,
  planWebhookRepair,
  provisionReloadWebhook,
  type QlikWebhook,
  type WebhookProvisioning,
} from '#lib/qlik/cloud/webhook-subscription.ts';

export type ReloadWebhookCondition =
  | { kind: 'healthy'; webhook: QlikWebhook }
  /** Qlik (or an admin) disabled it; `disabledReason` is Qlik's words when it gave any. */
  | { kind: 'disabled'; webhook: QlikWebhook; disabledReason: string }
  /** Enabled but changed (URL, event types, name, level, or a secret we do not hold). */
  | { kind: 'drifted'; webhook: QlikWebhook; reasons: string[] }
  /** Deleted in Qlik Cloud (or never created). */
  | { kind: 'missing' };

export interface ReloadWebhookCheck {
  condition: ReloadWebhookCondition;
  /** Present when the condition needed a repair and it was made. */
  repair: WebhookProvisioning | null;
}

/**
 * @param onBeforeRepair called with the condition before anything is changed in Qlik, so a disabled webhook is
 *   recorded even if the repair then fails (e.g. the OAuth client lost the `webhooks` scope)
 */
export async function checkReloadWebhook(
  api: QlikCloudApi,
  port: WebhookProvisioningPort,
  options: {
    knownWebhookId: string | null;
    signal?: AbortSignal;
    onBeforeRepair?: (condition: ReloadWebhookCondition) => Promise<void>;
  },
): Promise<ReloadWebhookCheck> {
  const lookup = lookupReloadWebhooks(api, port.targetUrl, options.knownWebhookId, options.signal);
  const found = await lookup;
  const current =
    found.known ?? [...found.matching].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''))[0] ?? null;
  const condition = await conditionOf(current, port);
  const duplicates = found.matching.filter((w) => w.id !== current?.id).length;
  if (condition.kind === 'healthy' && duplicates === 0) return { condition, repair: null };
  await options.onBeforeRepair?.(condition);
  const repair = await provisionReloadWebhook(api, port, {
    knownWebhookId: options.knownWebhookId,
    prefetched: lookup,
    signal: options.signal,
  });
  return { condition, repair };
}

async function conditionOf(
  webhook: QlikWebhook | null,
  port: WebhookProvisioningPort,
): Promise<ReloadWebhookCondition> {
  if (!webhook) return { kind: 'missing' };
  if (webhook.enabled !== true) {
    // Stored and shown: Qlik's words, kept to one short line of plain text (foreign-text.ts).
    const reason = safeErrorTitle(webhook.disabledReason) || safeErrorCode(webhook.disabledReasonCode);
    return { kind: 'disabled', webhook, disabledReason: reason || 'Disabled in Qlik Cloud (no reason given).' };
  }
  const plan = planWebhookRepair(webhook, port.targetUrl, (await port.currentSigningSecret()) !== null);
  if (plan.recreate || plan.needsSecret || plan.operations.length > 0)
    return { kind: 'drifted', webhook, reasons: plan.reasons };
  return { kind: 'healthy', webhook };
}

/** The tenant id of the OAuth client's tenant (`/api/v1/users/me` → `tenantId`), or null when Qlik omits it. */
export async function readTenantId(api: QlikCloudApi, signal?: AbortSignal): Promise<string | null> {
  const user = await api.get<{ tenantId?: unknown } | undefined>('/api/v1/users/me', { operation: 'users.me', signal });
  return typeof user?.tenantId === 'string' && user.tenantId ? user.tenantId : null;
}
