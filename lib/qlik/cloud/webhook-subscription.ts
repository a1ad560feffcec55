/**
 * The tenant's reload webhook: one webhook named `kpimailer` that posts `com.qlik.v1.reload.finished` to this
 * deployment's receiver. Provisioning finds it (by the ID we stored, else by name and URL), creates it when
 * missing, repairs drift with JSON Patch, and never leaves a duplicate behind.
 *
 * Concurrency: reading is free, so a healthy webhook is reused without the lock. Anything that writes (create,
 * patch, delete) happens under `port.withLock` and starts by listing again, because another test may have
 * created or repaired the webhook while this one waited for the lock.
 *
 * Qlik never returns a webhook's secret (the `secret` response field is deprecated; `secretKeyAdded` says
 * whether one is set), so when we hold no secret for the webhook we generate one, store it, then PATCH it on.
 */
import { randomBytes } from 'node:crypto';
import { logger, registerSecretValue } from '#lib/observability/logger.ts';
import { QlikCloudApiError } from '#lib/qlik/cloud/cloud-errors.ts';
import type { JsonPatchOperation, QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import type { WebhookProvisioningPort } from '#lib/qlik/cloud/webhook-ports.ts';
import type { WebhookState } from '#lib/servers/server-record.ts';

export const RELOAD_WEBHOOK_NAME = 'kpimailer';
/** Fires once per reload with its final outcome, after the app is saved (the `app.reload.finished` event fires before). */
export const RELOAD_EVENT_TYPE = 'com.qlik.v1.reload.finished';
const DESCRIPTION =
  'Managed by KPImailer: reload-finished events trigger reports. KPImailer repairs changes on each connection test.';

/** The fields of Qlik's WebhookResponse that provisioning reads. */
export interface QlikWebhook {
  id: string;
  name: string;
  url: string;
  enabled?: boolean;
  eventTypes?: string[];
  level?: 'tenant' | 'user';
  disabledReason?: string;
  disabledReasonCode?: string;
  secretKeyAdded?: boolean;
  createdAt?: string;
}

export interface WebhookLookup {
  /** The webhook whose ID we stored earlier, if it still exists. */
  known: QlikWebhook | null;
  /** Webhooks named `kpimailer` that post to our URL. */
  matching: QlikWebhook[];
}

export type WebhookOutcome = 'created' | 'reused' | 'repaired';

export interface WebhookProvisioning {
  outcome: WebhookOutcome;
  webhook: WebhookState;
  /** One sentence for the Authentication check's message. */
  summary: string;
  /** What a repair changed (our own descriptions, for the audit trail). */
  reasons: string[];
  warnings: string[];
}

export interface WebhookRepairPlan {
  operations: JsonPatchOperation[];
  reasons: string[];
  /** Qlik holds no secret we know, so a new one must be generated and patched on. */
  needsSecret: boolean;
  /** `level` cannot be patched: a user-level webhook is replaced by a tenant-level one. */
  recreate: boolean;
}

export interface ProvisionOptions {
  knownWebhookId: string | null;
  /** A lookup started earlier (beside `/users/me`) so a reuse costs no extra round trip. */
  prefetched?: Promise<WebhookLookup>;
  signal?: AbortSignal;
}

/** Reads the `kpimailer` webhooks posting to `targetUrl`, and the webhook whose ID we stored. */
export async function lookupReloadWebhooks(
  api: QlikCloudApi,
  targetUrl: string,
  knownId: string | null,
  signal?: AbortSignal,
): Promise<WebhookLookup> {
  const readKnown = async (): Promise<QlikWebhook | null> => {
    if (!knownId) return null;
    try {
      return await api.get<QlikWebhook>(`/api/v1/webhooks/${encodeURIComponent(knownId)}`, {
        operation: 'webhooks.read',
        signal,
      });
    } catch (error) {
      if (error instanceof QlikCloudApiError && error.status === 404) return null;
      throw error;
    }
  };
  const listMatching = async (): Promise<QlikWebhook[]> => {
    const found: QlikWebhook[] = [];
    // Qlik's name filter is a case-insensitive wildcard match, so the exact name and URL are checked here.
    const query = { name: RELOAD_WEBHOOK_NAME, limit: 100 };
    for await (const page of api.pages<QlikWebhook>('/api/v1/webhooks', {
      operation: 'webhooks.list',
      query,
      signal,
    })) {
      found.push(...page.filter((w) => w.name.toLowerCase() === RELOAD_WEBHOOK_NAME && sameUrl(w.url, targetUrl)));
    }
    return found;
  };
  // The stored webhook is normally among the matches; reading it by ID is needed only when it drifted away from
  // our name or URL, so that read waits for the listing instead of costing a request (and a connection) every time.
  const matching = await listMatching();
  const known = matching.find((w) => w.id === knownId) ?? (await readKnown());
  return { known, matching };
}

/** What must change on `webhook` so it is the reload webhook this deployment needs. */
export function planWebhookRepair(webhook: QlikWebhook, targetUrl: string, secretKnown: boolean): WebhookRepairPlan {
  if (webhook.level !== undefined && webhook.level !== 'tenant') {
    // The replacement is created from scratch (with a new secret), so nothing else needs patching.
    return { operations: [], reasons: ['replaced by a tenant-level webhook'], needsSecret: false, recreate: true };
  }
  const operations: JsonPatchOperation[] = [];
  const reasons: string[] = [];
  if (webhook.enabled !== true) {
    operations.push({ op: 'replace', path: '/enabled', value: true });
    reasons.push(
      webhook.disabledReason ? `re-enabled (Qlik had disabled it: ${webhook.disabledReason})` : 're-enabled',
    );
  }
  const events = webhook.eventTypes ?? [];
  if (events.length !== 1 || events[0] !== RELOAD_EVENT_TYPE) {
    operations.push({ op: 'replace', path: '/eventTypes', value: [RELOAD_EVENT_TYPE] });
    reasons.push(`event types set to ${RELOAD_EVENT_TYPE}`);
  }
  if (!sameUrl(webhook.url, targetUrl)) {
    operations.push({ op: 'replace', path: '/url', value: targetUrl });
    reasons.push(`URL set to ${targetUrl}`);
  }
  if (webhook.name !== RELOAD_WEBHOOK_NAME) {
    operations.push({ op: 'replace', path: '/name', value: RELOAD_WEBHOOK_NAME });
    reasons.push(`renamed to ${RELOAD_WEBHOOK_NAME}`);
  }
  const needsSecret = !secretKnown || webhook.secretKeyAdded === false;
  if (needsSecret) reasons.push('new signing secret set');
  return { operations, reasons, needsSecret, recreate: false };
}

/**
 * Makes sure exactly one healthy reload webhook exists and we hold its signing secret.
 *
 * @example
 *   const { outcome, webhook } = await provisionReloadWebhook(api, port, { knownWebhookId: state.webhook?.id ?? null });
 */
export async function provisionReloadWebhook(
  api: QlikCloudApi,
  port: WebhookProvisioningPort,
  options: ProvisionOptions,
): Promise<WebhookProvisioning> {
  const { knownWebhookId, signal } = options;
  const lookup = await (options.prefetched ?? lookupReloadWebhooks(api, port.targetUrl, knownWebhookId, signal));
  const secretKnown = (await port.currentSigningSecret()) !== null;
  const first = choose(lookup);
  if (first.chosen && first.duplicates.length === 0) {
    const plan = planWebhookRepair(first.chosen, port.targetUrl, secretKnown);
    if (!plan.recreate && !plan.needsSecret && plan.operations.length === 0)
      return finish('reused', first.chosen.id, port.targetUrl, []);
  }
  return port.withLock(async () => {
    const fresh = await lookupReloadWebhooks(api, port.targetUrl, knownWebhookId, signal);
    const { chosen, duplicates } = choose(fresh);
    if (!chosen) return finish('created', await create(api, port, signal), port.targetUrl, []);
    const plan = planWebhookRepair(chosen, port.targetUrl, (await port.currentSigningSecret()) !== null);
    let id = chosen.id;
    if (plan.recreate) {
      id = await create(api, port, signal);
      await api.delete(`/api/v1/webhooks/${encodeURIComponent(chosen.id)}`, { operation: 'webhooks.delete', signal });
    } else if (plan.operations.length > 0 || plan.needsSecret) {
      const operations = [...plan.operations];
      if (plan.needsSecret) operations.push({ op: 'replace', path: '/secret', value: await newSecret(port) });
      await api.patch(`/api/v1/webhooks/${encodeURIComponent(chosen.id)}`, operations, {
        operation: 'webhooks.update',
        signal,
      });
    }
    for (const duplicate of duplicates) {
      await api.delete(`/api/v1/webhooks/${encodeURIComponent(duplicate.id)}`, {
        operation: 'webhooks.delete',
        signal,
      });
    }
    const reasons = [...plan.reasons];
    if (duplicates.length) reasons.push(`${duplicates.length} duplicate${duplicates.length === 1 ? '' : 's'} removed`);
    const warnings = chosen.enabled !== true && chosen.disabledReason ? [disabledWarning(chosen, port.targetUrl)] : [];
    return finish(reasons.length ? 'repaired' : 'reused', id, port.targetUrl, reasons, warnings);
  });
}

/** The webhook we stored wins (it is ours even if someone renamed it); else the oldest match. */
function choose(lookup: WebhookLookup): { chosen: QlikWebhook | null; duplicates: QlikWebhook[] } {
  const byAge = [...lookup.matching].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  const chosen = lookup.known ?? byAge[0] ?? null;
  return { chosen, duplicates: byAge.filter((w) => w.id !== chosen?.id) };
}

async function create(
  api: QlikCloudApi,
  port: WebhookProvisioningPort,
  signal: AbortSignal | undefined,
): Promise<string> {
  const secret = await newSecret(port);
  const created = await api.post<QlikWebhook>(
    '/api/v1/webhooks',
    {
      name: RELOAD_WEBHOOK_NAME,
      description: DESCRIPTION,
      url: port.targetUrl,
      eventTypes: [RELOAD_EVENT_TYPE],
      level: 'tenant',
      // Qlik's default is false: a webhook created without it would never deliver.
      enabled: true,
      secret,
    },
    { operation: 'webhooks.create', signal },
  );
  return created.id;
}

/** A fresh 48-character secret (Qlik accepts 32–64), stored before Qlik hears of it so no delivery is unverifiable. */
async function newSecret(port: WebhookProvisioningPort): Promise<string> {
  const secret = randomBytes(36).toString('base64url');
  registerSecretValue(secret);
  await port.saveSigningSecret(secret);
  return secret;
}

function finish(
  outcome: WebhookOutcome,
  id: string,
  url: string,
  reasons: string[],
  warnings: string[] = [],
): WebhookProvisioning {
  logger.info('Qlik Cloud reload webhook provisioned', { outcome, webhookId: id, changes: reasons });
  const summary =
    outcome === 'created'
      ? `Reload webhook created (ID ${id}).`
      : outcome === 'reused'
        ? `Reload webhook reused (ID ${id}).`
        : `Reload webhook repaired (ID ${id}): ${reasons.join(', ')}.`;
  return { outcome, webhook: { id, enabled: true, disabledReason: null, url }, summary, reasons, warnings };
}

function disabledWarning(webhook: QlikWebhook, url: string): string {
  return (
    `Qlik Cloud had disabled the reload webhook (${webhook.disabledReason}). KPImailer re-enabled it; if Qlik disables it again, ` +
    `check that ${url} is reachable from the internet and answers deliveries with 2xx.`
  );
}

/** Compares URLs the way a server would route them: host case, a default port and a trailing slash do not matter. */
export function sameUrl(a: string, b: string): boolean {
  try {
    const strip = (u: string) => {
      const url = new URL(u);
      return `${url.origin}${url.pathname.replace(/\/+$/, '')}${url.search}`;
    };
    return strip(a) === strip(b);
  } catch {
    return a === b;
  }
}
