/**
 * The reload monitor on the real adapters and Qlik clients. Environment: the servers table, apps table, secrets
 * prefix and pipeline settings (reload-pipeline-from-env.ts), plus
 *   WEBHOOK_PUBLIC_URL / KPIMAILER_PUBLIC_URL   where Qlik Cloud must post (no https URL: webhook health is skipped)
 *   RELOAD_POLL_OVERLAP_SECONDS                  re-read window before the watermark (default 120)
 *   RELOAD_POLL_LOOKBACK_MINUTES                 how far back the very first poll looks (default 10)
 */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { serviceEnvironment } from '#lib/aws/environment.ts';
import { createWebhookProvisioning, webhookTargetUrl } from '#lib/connection-test/webhook-provisioning.ts';
import { reloadPipelineFromEnv } from '#lib/reloads/reload-pipeline-from-env.ts';
import { runReloadMonitor, type ReloadMonitorReport } from '#lib/reloads/reload-monitor.ts';
import { ServerService } from '#lib/servers/server-service.ts';

export function reloadMonitorFromEnv(): () => Promise<ReloadMonitorReport> {
  const { servers, secrets, leases, reloads, audit } = adaptersFromEnv();
  const environment = serviceEnvironment();
  const service = new ServerService({ servers, secrets });
  const pipeline = reloadPipelineFromEnv();
  const targetUrl = webhookTargetUrl(environment);
  // Qlik only posts to https URLs with a host name; without one (a plain local run) there is nothing to keep healthy.
  const webhookPorts =
    targetUrl.startsWith('https://') && !new URL(targetUrl).hostname.endsWith('.invalid')
      ? createWebhookProvisioning({ secrets, leases, targetUrl })
      : null;

  return () =>
    runReloadMonitor({
      loadServer: (id) => service.loadWithSecret(id),
      store: servers,
      leases,
      // The Qlik clients load only in a run with a server to talk to (reload-monitor-qlik.ts).
      onPremSource: async (connection) =>
        (await import('#lib/reloads/reload-monitor-qlik.ts')).onPremReloadSource(connection),
      poller: {
        pipeline,
        watermarks: reloads,
        overlapMs: (environment.RELOAD_POLL_OVERLAP_SECONDS ?? 120) * 1000,
        initialLookbackMs: (environment.RELOAD_POLL_LOOKBACK_MINUTES ?? 10) * 60_000,
      },
      cloudApi: async (connection) => (await import('#lib/reloads/reload-monitor-qlik.ts')).monitorCloudApi(connection),
      webhookPorts,
      audit,
    });
}
