/**
 * The demo's living sites: on a fixed interval the Qlik Sense site finishes one of its reload tasks (QRS writes the
 * execution result, which the runtime's reload monitor polls), and the Qlik Cloud tenant posts a signed
 * `com.qlik.v1.reload.finished` to KPImailer's webhook, once a connection test has provisioned one there.
 *
 * The tenant's webhook points at the demo's public webhook URL (Qlik only posts to https host names); the delivery is
 * sent to the runtime's loopback route instead, as the tunnel behind that URL would forward it.
 */
import { finishExecution, startExecution } from '#test/simulators/qlik-sense-enterprise/reload-executions.ts';
import type { QlikSenseState } from '#test/simulators/qlik-sense-enterprise/index.ts';
import type { QlikCloudState, SimApp, TenantApps } from '#test/simulators/qlik-cloud/index.ts';
import { reloadFinishedEvent, WebhookSender } from '#test/simulators/qlik-cloud/webhook-delivery.ts';
import type { Entity } from '#test/simulators/qlik-sense-enterprise/entities.ts';

export interface DemoReloadsOptions {
  intervalMs: number;
  onPrem: { state: QlikSenseState; reloadTasks: Entity[] };
  cloud: { state: QlikCloudState; tenant: TenantApps; apps: SimApp[]; webhookUrl: string; deliverTo: string };
  log: (line: string) => void;
}

export interface DemoReloads {
  stop(): Promise<void>;
}

export function startDemoReloads(options: DemoReloadsOptions): DemoReloads {
  const { onPrem, cloud, log } = options;
  const sender = new WebhookSender(cloud.state);
  let round = 0;
  let running: Promise<void> = Promise.resolve();

  /** One round: a task finishes on-premise, and a webhook delivery in the cloud once the webhook exists. */
  async function tick(): Promise<void> {
    round += 1;
    // Every fifth run fails, so the Repository shows both outcomes.
    const failed = round % 5 === 0;
    const task = onPrem.reloadTasks[round % onPrem.reloadTasks.length]!;
    // A reload that ran for 20-80 s and ends now (QRS writes the start, then the end).
    const startTime = new Date(Date.now() - 20_000 - (round % 7) * 10_000).toISOString();
    finishExecution(onPrem.state, startExecution(onPrem.state, task, { startTime }), failed ? 8 : 7, {
      message: 'Field <Region> not found',
    });
    const appName = String(onPrem.state.apps.get((task.app as { id: string }).id)?.name ?? '');
    log(
      `Qlik Sense Enterprise: reload task "${task.name}" finished (${failed ? 'failed' : 'succeeded'}): app "${appName}"`,
    );

    const webhook = cloud.state.webhooks.all().find((w) => w.url === cloud.webhookUrl && w.enabled && w.secret);
    if (!webhook) return;
    const app = cloud.apps[round % cloud.apps.length]!;
    cloud.tenant.reload(app, failed ? 'error' : 'ok');
    const event = reloadFinishedEvent(cloud.state, {
      appId: app.appId,
      spaceId: app.spaceId ?? undefined,
      status: failed ? 'FAILED' : 'SUCCEEDED',
    });
    const { status } = await sender.deliver(webhook.id, event, { to: cloud.deliverTo });
    log(
      `Qlik Cloud: reload of app "${app.name}" finished (${failed ? 'failed' : 'succeeded'}); webhook delivery answered ${status ?? 'nothing'}`,
    );
  }

  const timer = setInterval(() => {
    // One round at a time: a slow delivery never overlaps the next.
    running = running.then(tick).catch((error: unknown) => log(`demo reload round failed: ${String(error)}`));
  }, options.intervalMs);

  return {
    stop: async () => {
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
