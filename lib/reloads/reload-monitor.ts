/**
 * The reload monitor: one scheduled run (every minute by default) that does the two jobs needing a clock rather
 * than a request.
 *
 *   on-premise  poll QRS execution results since the watermark and publish finished reloads (onprem-reload-poller.ts);
 *   Qlik Cloud  learn the tenant id once per tenant URL (for the receiver's tenant check) and keep the reload webhook
 *               healthy: a disabled one is recorded on the server state, then re-enabled; a deleted one is recreated.
 *
 * It is its own function, not part of scheduled-sync, because the cadence differs (every minute against a catalog
 * sync every few hours) and so does the access it needs (the reload events table, the event bus, the webhook
 * secret). The two jobs run side by side, each under its own lease so overlapping runs skip instead of doubling up,
 * and a failure of one is logged and reported without stopping the other or failing the run (a failed scheduled
 * invocation would only be retried by Lambda while the next run is a minute away anyway).
 */
import { randomUUID } from 'node:crypto';
import { SCHEDULE_ACTOR, type AuditLog } from '#lib/audit/audit-log.ts';
import { recordAudit } from '#lib/audit/record-audit.ts';
import { asError } from '#lib/errors.ts';
import type { LeaseProvider } from '#lib/leases/lease.ts';
import { logger } from '#lib/observability/logger.ts';
import type { QlikCloudApi } from '#lib/qlik/cloud/cloud-api.ts';
import {
  checkReloadWebhook,
  readTenantId,
  type ReloadWebhookCondition,
} from '#lib/qlik/cloud/reload-webhook-health.ts';
import type { TenantWebhookPorts } from '#lib/qlik/cloud/webhook-ports.ts';
import { tenantKeyOf } from '#lib/reloads/webhook-signing-secrets.ts';
import type { OnPremConnection, CloudConnection } from '#lib/connection-test/connection-types.ts';
import { webhookKnownFor } from '#lib/servers/cloud-tenants.ts';
import { cloudConnectionOf, onPremConnectionOf } from '#lib/servers/effective-connection.ts';
import type { ServerStore } from '#lib/servers/server-ports.ts';
import type {
  CloudSecret,
  OnPremSecret,
  ServerRecord,
  ServerSecret,
  WebhookState,
} from '#lib/servers/server-record.ts';
import { ALARMED_METRICS, countMetric } from '#lib/reloads/metrics.ts';
import { pollOnPremReloads, type OnPremPollerDeps, type PollSummary } from '#lib/reloads/onprem-reload-poller.ts';

export interface ReloadMonitorDeps {
  /** Saved settings with their secret (ServerService.loadWithSecret). */
  loadServer(id: 'onprem' | 'cloud'): Promise<{ record: ServerRecord; secret: ServerSecret } | null>;
  store: Pick<ServerStore, 'getState' | 'updateState'>;
  leases: LeaseProvider;
  /**
   * Builds the poller's QRS-facing parts for a connection; `close` ends the run's TLS session. Asynchronous so the
   * Qlik clients load only in a run that has a server to talk to.
   */
  onPremSource(
    connection: OnPremConnection,
  ): Promise<Pick<OnPremPollerDeps, 'changedSince' | 'appNames' | 'reloadTasks'> & { close(): Promise<void> }>;
  poller: Pick<OnPremPollerDeps, 'pipeline' | 'watermarks' | 'overlapMs' | 'initialLookbackMs' | 'now'>;
  cloudApi(connection: CloudConnection): Promise<QlikCloudApi>;
  /** Null when this deployment has no public https webhook URL (a plain local run): the webhook is left alone. */
  webhookPorts: TenantWebhookPorts | null;
  /** Lease length; a run that takes longer loses its exclusivity (the ledger still keeps events single). */
  leaseMs?: number;
  /** Where a webhook the monitor re-creates or repairs is recorded (as the scheduled run, like the hourly sync). */
  audit?: AuditLog;
}

type PartResult<T> =
  | { status: 'done'; result: T }
  | { status: 'not-configured' }
  | { status: 'busy' }
  | { status: 'failed'; error: string };

export interface CloudHealthResult {
  tenantId: string | null;
  webhook: ReloadWebhookCondition['kind'] | 'skipped';
  repaired: boolean;
}

export interface ReloadMonitorReport {
  onprem: PartResult<PollSummary>;
  cloud: PartResult<CloudHealthResult>;
}

export async function runReloadMonitor(deps: ReloadMonitorDeps): Promise<ReloadMonitorReport> {
  const [onprem, cloud] = await Promise.all([
    part(deps, 'onprem', (loaded) => pollOnPrem(deps, loaded)),
    part(deps, 'cloud', (loaded) => cloudHealth(deps, loaded)),
  ]);
  logger.info('Reload monitor run', { onprem, cloud });
  return { onprem, cloud };
}

type LoadedServer = NonNullable<Awaited<ReturnType<ReloadMonitorDeps['loadServer']>>>;

async function part<T>(
  deps: ReloadMonitorDeps,
  id: 'onprem' | 'cloud',
  work: (loaded: LoadedServer) => Promise<T | null>,
): Promise<PartResult<T>> {
  let lease: Awaited<ReturnType<LeaseProvider['tryAcquire']>> = null;
  try {
    // The settings first: with no server saved there is nothing to poll and no lease worth two writes (every run of
    // a deployment that connects only one server, or none yet).
    const loaded = await deps.loadServer(id);
    if (loaded?.record.type !== id) return { status: 'not-configured' };
    lease = await deps.leases.tryAcquire(`reload-monitor#${id}`, deps.leaseMs ?? 60_000);
    if (!lease) return { status: 'busy' };
    const result = await work(loaded);
    return result === null ? { status: 'not-configured' } : { status: 'done', result };
  } catch (error) {
    countMetric(ALARMED_METRICS.reloadMonitorFailure, { serverId: id });
    logger.error('Reload monitor: part failed; the next run tries again', { serverId: id, error });
    return { status: 'failed', error: asError(error).message };
  } finally {
    await lease?.release().catch(() => undefined);
  }
}

async function pollOnPrem(deps: ReloadMonitorDeps, loaded: LoadedServer): Promise<PollSummary | null> {
  if (loaded.record.type !== 'onprem') return null;
  const state = await deps.store.getState('onprem');
  const source = await deps.onPremSource(
    onPremConnectionOf({ settings: loaded.record.settings, secret: loaded.secret as OnPremSecret }, state),
  );
  try {
    return await pollOnPremReloads({ ...deps.poller, ...source });
  } finally {
    await source.close();
  }
}

async function cloudHealth(deps: ReloadMonitorDeps, loaded: LoadedServer): Promise<CloudHealthResult | null> {
  if (loaded.record.type !== 'cloud') return null;
  const state = await deps.store.getState('cloud');
  const connection = cloudConnectionOf(
    { settings: loaded.record.settings, secret: loaded.secret as CloudSecret },
    state,
  );
  const api = await deps.cloudApi(connection);

  let tenantId = state.tenant?.url === connection.url ? state.tenant.id : null;
  if (!tenantId) {
    tenantId = await readTenantId(api);
    if (tenantId) await deps.store.updateState('cloud', { tenant: { id: tenantId, url: connection.url } });
  }

  if (!deps.webhookPorts) return { tenantId, webhook: 'skipped', repaired: false };
  // The saved tenant's webhook, with the saved tenant's signing secret.
  const port = deps.webhookPorts.forTenant(tenantKeyOf(tenantId, connection.url));
  const check = await checkReloadWebhook(api, port, {
    knownWebhookId: webhookKnownFor(state, connection.url)?.id ?? null,
    onBeforeRepair: async (condition) => {
      if (condition.kind !== 'disabled') return;
      // Recorded before the repair: if re-enabling fails, the admin still sees why events stopped.
      countMetric('ReloadWebhookDisabled', { disabledReason: condition.disabledReason });
      logger.warn('Qlik Cloud had disabled the reload webhook; re-enabling it', {
        webhookId: condition.webhook.id,
        disabledReason: condition.disabledReason,
      });
      await deps.store.updateState('cloud', {
        webhook: {
          id: condition.webhook.id,
          enabled: false,
          disabledReason: condition.disabledReason,
          url: condition.webhook.url,
        },
      });
    },
  });
  if (check.repair) {
    logger.info('Reload webhook repaired by the reload monitor', {
      condition: check.condition.kind,
      summary: check.repair.summary,
    });
    await deps.store.updateState('cloud', { webhook: check.repair.webhook });
    if (deps.audit) {
      const created = check.repair.outcome === 'created';
      const reasons = check.repair.reasons.map((reason) => ({ field: 'webhook', from: null, to: reason }));
      await recordAudit(deps.audit, {
        actor: SCHEDULE_ACTOR,
        requestId: randomUUID(),
        sourceIp: null,
        action: created ? 'webhook.provisioned' : 'webhook.repaired',
        serverId: 'cloud',
        changes: [
          { field: 'webhook.id', from: created ? (state.webhook?.id ?? null) : null, to: check.repair.webhook.id },
          ...reasons,
        ],
        result: 'succeeded',
      });
    }
  } else if (
    check.condition.kind === 'healthy' &&
    !sameWebhook(state.webhook, check.condition.webhook.id, port.targetUrl)
  ) {
    // Healthy in Qlik but not what we stored (e.g. re-enabled by an admin): the server view should say so.
    await deps.store.updateState('cloud', {
      webhook: { id: check.condition.webhook.id, enabled: true, disabledReason: null, url: port.targetUrl },
    });
  }
  return { tenantId, webhook: check.condition.kind, repaired: check.repair !== null };
}

function sameWebhook(stored: WebhookState | null, id: string, url: string): boolean {
  return stored !== null && stored.id === id && stored.enabled && stored.disabledReason === null && stored.url === url;
}
