/**
 * Qlik Cloud's side of a webhook delivery: the reload events a tenant emits, in the shapes Qlik has used
 * (CloudEvents 1.0 with lowercase extensions; the legacy CloudEvents 0.1 shape; the 2025-11 hybrid carrying both),
 * signed as Qlik signs them (`Qlik-Signature`: hex HMAC-SHA256 of the raw body with the webhook's secret), and
 * posted like Qlik posts them. Failed deliveries count towards an auto-disable threshold, as Qlik's CLI docs
 * describe (the real threshold is not published; the simulator's is a setting).
 *
 * @example
 *   const sender = new WebhookSender(sim.state);
 *   const event = reloadFinishedEvent(sim.state, { appId, status: 'SUCCEEDED' });
 *   const { status } = await sender.deliver(webhookId, event, { to: `${runtime.url}/webhooks/qlik-cloud` });
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { QlikCloudState } from '#test/simulators/qlik-cloud/state.ts';

export type ReloadsStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'EXCEEDED_LIMIT';
export type EnvelopeFormat = 'cloudevents' | 'legacy' | 'hybrid';

export interface ReloadEventInit {
  appId: string;
  reloadId?: string;
  eventId?: string;
  /** Default: the simulated tenant's id. */
  tenantId?: string;
  spaceId?: string;
  time?: string;
  startTime?: string;
  endTime?: string;
}

/**
 * The `data` fields Qlik documents for each reload event (qlik.dev/apis/event/reloads and /apis/event/apps, read
 * for reference/qlik-cloud.md §4). The simulator sends nothing else: in particular `com.qlik.v1.reload.finished`
 * documents no end time, so its finish time is only the envelope's `time`.
 */
export const DOCUMENTED_EVENT_DATA_FIELDS: Record<string, readonly string[]> = {
  'com.qlik.v1.reload.finished': [
    'id',
    'appId',
    'userId',
    'succeeded',
    'status',
    'type',
    'taskId',
    'errorCode',
    'errorMessage',
    'startTime',
    'creationTime',
    'lastReloadTime',
    'durationSeconds',
    'partial',
    'appUsage',
    'tenantId',
    'resourceType',
    'enginePoolName',
  ],
  'com.qlik.v1.app.reload.finished': [
    'name',
    'size',
    'usage',
    'errors',
    'status',
    'endTime',
    'duration',
    'reloadId',
    'rowLimit',
    'warnings',
    'statements',
    'isSkipStore',
    'isSessionApp',
    'isPartialReload',
    'peakMemoryBytes',
    'isDirectQueryMode',
    'endedWithMemoryConstraint',
  ],
};

/**
 * `com.qlik.v1.reload.finished` (source com.qlik/reloads): app id and reload id inside `data`; `endTime` (or
 * `time`) becomes the envelope's `time`, the only finish time such an event carries.
 */
export function reloadFinishedEvent(
  state: QlikCloudState,
  init: ReloadEventInit & { status?: ReloadsStatus; errorCode?: string; errorMessage?: string },
): Record<string, unknown> {
  const status = init.status ?? 'SUCCEEDED';
  const end = init.endTime ?? init.time ?? new Date().toISOString();
  const data = {
    id: init.reloadId ?? randomUUID().replace(/-/g, '').slice(0, 24),
    appId: init.appId,
    userId: 'user-1',
    tenantId: init.tenantId ?? state.tenantId,
    succeeded: status === 'SUCCEEDED',
    status,
    type: 'chronos',
    startTime: init.startTime ?? new Date(Date.parse(end) - 5_000).toISOString(),
    creationTime: new Date(Date.parse(end) - 6_000).toISOString(),
    durationSeconds: 5,
    partial: false,
    ...(init.errorCode ? { errorCode: init.errorCode } : {}),
    ...(init.errorMessage ? { errorMessage: init.errorMessage } : {}),
  };
  return envelope(
    state,
    'com.qlik.v1.reload.finished',
    'com.qlik/reloads',
    { ...init, time: end },
    data,
    'cloudevents',
  );
}

/** `com.qlik.v1.app.reload.finished` (source com.qlik/engine): the app id is only in the envelope. */
export function appReloadFinishedEvent(
  state: QlikCloudState,
  init: ReloadEventInit & { status?: 'ok' | 'error'; name?: string; durationMs?: number; errors?: string[] },
  format: EnvelopeFormat = 'cloudevents',
): Record<string, unknown> {
  const end = init.endTime ?? init.time ?? new Date().toISOString();
  const data = {
    name: init.name ?? 'Sales',
    status: init.status ?? 'ok',
    reloadId: init.reloadId ?? randomUUID().replace(/-/g, '').slice(0, 24),
    endTime: end,
    duration: init.durationMs ?? 5_321,
    errors: init.errors ?? [],
    warnings: [],
    isPartialReload: false,
    isSkipStore: false,
    isSessionApp: false,
    size: { memory: 123_456 },
  };
  return envelope(state, 'com.qlik.v1.app.reload.finished', 'com.qlik/engine', init, data, format);
}

/** Any other event type, for "acknowledged and ignored". */
export function otherEvent(
  state: QlikCloudState,
  type = 'com.qlik.v1.app.created',
  init: Partial<ReloadEventInit> = {},
): Record<string, unknown> {
  return envelope(
    state,
    type,
    'com.qlik/engine',
    { appId: init.appId ?? randomUUID(), ...init },
    { name: 'New app' },
    'cloudevents',
  );
}

function envelope(
  state: QlikCloudState,
  type: string,
  source: string,
  init: ReloadEventInit,
  data: object,
  format: EnvelopeFormat,
): Record<string, unknown> {
  const id = init.eventId ?? randomUUID();
  const time = init.time ?? new Date().toISOString();
  const tenantId = init.tenantId ?? state.tenantId;
  const cloudEvents = {
    id,
    specversion: '1.0',
    type,
    source,
    time,
    datacontenttype: 'application/json',
    tenantid: tenantId,
    toplevelresourceid: init.appId,
    spaceid: init.spaceId ?? 'space-1',
    ownerid: 'user-1',
    userid: 'user-1',
    host: 'engine-0',
  };
  const legacy = {
    cloudEventsVersion: '0.1',
    eventId: id,
    eventType: type,
    eventTypeVersion: '1.0.0',
    eventTime: time,
    source,
    contentType: 'application/json',
    extensions: {
      tenantId,
      userId: 'user-1',
      ownerId: 'user-1',
      topLevelResourceId: init.appId,
      spaceId: init.spaceId ?? 'space-1',
    },
  };
  if (format === 'cloudevents') return { ...cloudEvents, data };
  if (format === 'legacy') return { ...legacy, data };
  return { ...legacy, ...cloudEvents, data };
}

/** Signs like Qlik: hex HMAC-SHA256 of the exact body bytes. */
export function signBody(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  eventType: string;
  status: 'success' | 'fail';
  statusCode: number | null;
  triggeredAt: string;
}

export class WebhookSender {
  readonly deliveries: DeliveryRecord[] = [];
  /** Consecutive failures after which the webhook is disabled (Qlik's real number is unpublished). */
  failureThreshold = 5;
  private consecutiveFailures = new Map<string, number>();

  constructor(private readonly state: QlikCloudState) {}

  /** The request Qlik would send for `event` through webhook `webhookId`: JSON body, signature, Qlik's headers. */
  signedRequest(webhookId: string, event: unknown): SignedRequest {
    const webhook = this.state.webhooks.get(webhookId);
    if (!webhook.secret) throw new Error(`Webhook ${webhookId} has no secret; Qlik would send no signature.`);
    const body = JSON.stringify(event);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'qlik-signature': signBody(body, webhook.secret),
        'user-agent': 'Qlik Webhook',
        ...webhook.headers,
      },
    };
  }

  /**
   * Posts `event` as Qlik would, to `to` (default: the webhook's URL; tests point it at a loopback runtime because
   * Qlik only accepts https URLs with host names). A disabled webhook sends nothing, as in Qlik.
   */
  async deliver(
    webhookId: string,
    event: Record<string, unknown>,
    options: { to?: string } = {},
  ): Promise<{ status: number | null; body: string }> {
    const webhook = this.state.webhooks.get(webhookId);
    if (!webhook.enabled) return { status: null, body: '' };
    const request = this.signedRequest(webhookId, event);
    let status: number | null;
    let text = '';
    try {
      const response = await fetch(options.to ?? webhook.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      text = await response.text();
    } catch {
      // No answer at all (refused, timed out) counts as a failed delivery, as in Qlik's delivery log.
      status = null;
    }
    this.record(webhookId, String(event.type ?? event.eventType), status);
    return { status, body: text };
  }

  /** Counts a delivery outcome (also for requests a test sent itself) and disables the webhook past the threshold. */
  record(webhookId: string, eventType: string, statusCode: number | null): void {
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    this.deliveries.push({
      id: randomUUID(),
      webhookId,
      eventType,
      status: ok ? 'success' : 'fail',
      statusCode,
      triggeredAt: new Date().toISOString(),
    });
    const failures = ok ? 0 : (this.consecutiveFailures.get(webhookId) ?? 0) + 1;
    this.consecutiveFailures.set(webhookId, failures);
    if (failures >= this.failureThreshold) {
      this.state.webhooks.disable(
        webhookId,
        `Disabled after ${failures} consecutive failed deliveries`,
        'WEBHOOK-DELIVERY-FAILURES',
      );
      this.consecutiveFailures.set(webhookId, 0);
    }
  }
}
