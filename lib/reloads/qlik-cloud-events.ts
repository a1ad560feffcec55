/**
 * Reads Qlik Cloud webhook deliveries into reload observations. Two event types mean "reload finished" (Qlik
 * Cloud's webhook event catalogue; the simulator in test/simulators/qlik-cloud sends both):
 *
 *   com.qlik.v1.reload.finished      source com.qlik/reloads; `data.appId`, `data.id` (reload id),
 *                                    `data.status` SUCCEEDED | FAILED | CANCELED | EXCEEDED_LIMIT, `data.succeeded`
 *   com.qlik.v1.app.reload.finished  source com.qlik/engine; no app id in `data`: it is the envelope's
 *                                    `toplevelresourceid`; `data.status` ok | error, `data.reloadId`, `data.name`
 *
 * Envelopes come in three shapes: CloudEvents 1.0 with Qlik's lowercase extensions (`id`, `type`, `time`,
 * `tenantid`, `toplevelresourceid`), the legacy CloudEvents 0.1 shape (`eventId`, `eventType`, `eventTime`,
 * `extensions.tenantId`, `extensions.topLevelResourceId`, as Butler reads it), and since 2025-11 a hybrid carrying
 * both. CloudEvents fields are read first because Qlik removes the legacy ones after 2026-10-06.
 */
import type { ReloadObservation, ReloadStatus } from '#lib/reloads/reload-event.ts';

export const RELOAD_FINISHED = 'com.qlik.v1.reload.finished';
export const APP_RELOAD_FINISHED = 'com.qlik.v1.app.reload.finished';

interface Envelope {
  eventId: string | null;
  type: string | null;
  tenantId: string | null;
  topLevelResourceId: string | null;
  time: string | null;
  data: Record<string, unknown>;
}

export type ParsedWebhookEvent =
  /** `time`: when Qlik says the event happened (CloudEvents `time`, legacy `eventTime`), as ISO 8601, or null. */
  | {
      kind: 'reload';
      eventId: string | null;
      tenantId: string | null;
      type: string;
      time: string | null;
      observation: ReloadObservation;
    }
  | { kind: 'unknown'; eventId: string | null; tenantId: string | null; type: string | null; time: string | null }
  | { kind: 'invalid'; message: string };

/** Ids and names are Qlik's; anything longer than this is not one and would only bloat keys and logs. */
const MAX_ID_LENGTH = 256;

/**
 * @example
 *   const parsed = parseQlikCloudEvent(JSON.parse(raw), new Date());
 *   if (parsed.kind === 'reload') await pipeline.process(parsed.observation, ...);
 */
export function parseQlikCloudEvent(body: unknown, receivedAt: Date): ParsedWebhookEvent {
  if (!isObject(body)) return { kind: 'invalid', message: 'The event is not a JSON object.' };
  const envelope = readEnvelope(body);
  const { type, eventId, tenantId } = envelope;
  if (type === RELOAD_FINISHED) return withEnvelope(envelope, type, reloadFinished(envelope, receivedAt));
  if (type === APP_RELOAD_FINISHED) return withEnvelope(envelope, type, appReloadFinished(envelope, receivedAt));
  return { kind: 'unknown', eventId, tenantId, type, time: isoTime(envelope.time) };
}

function withEnvelope(envelope: Envelope, type: string, result: ReloadObservation | string): ParsedWebhookEvent {
  if (typeof result === 'string') return { kind: 'invalid', message: result };
  return {
    kind: 'reload',
    eventId: envelope.eventId,
    tenantId: envelope.tenantId,
    type,
    time: isoTime(envelope.time),
    observation: result,
  };
}

function readEnvelope(body: Record<string, unknown>): Envelope {
  const extensions = isObject(body.extensions) ? body.extensions : {};
  const data = isObject(body.data) ? body.data : {};
  return {
    eventId: id(body.id) ?? id(body.eventId),
    type: text(body.type) ?? text(body.eventType),
    // `tenantId` inside `data` is an optional field of reload.finished; the envelope is authoritative.
    tenantId: id(body.tenantid) ?? id(extensions.tenantId) ?? id(data.tenantId),
    topLevelResourceId: id(body.toplevelresourceid) ?? id(extensions.topLevelResourceId),
    time: text(body.time) ?? text(body.eventTime),
    data,
  };
}

function reloadFinished(envelope: Envelope, receivedAt: Date): ReloadObservation | string {
  const { data } = envelope;
  const appId = id(data.appId) ?? envelope.topLevelResourceId;
  if (!appId) return `The ${RELOAD_FINISHED} event has no data.appId.`;
  const reloadId = id(data.id) ?? id(data.reloadId);
  if (!reloadId) return `The ${RELOAD_FINISHED} event has no data.id (the reload id).`;
  const rawStatus = text(data.status)?.toUpperCase() ?? null;
  const status = reloadsStatus(rawStatus, data.succeeded);
  if (!status)
    return `The ${RELOAD_FINISHED} event has an unknown status ${JSON.stringify(data.status ?? data.succeeded ?? null)}.`;
  const finishedAt = isoTime(data.endTime) ?? isoTime(envelope.time) ?? receivedAt.toISOString();
  const error =
    text(data.errorMessage) ??
    text(data.errorCode) ??
    (rawStatus === 'EXCEEDED_LIMIT' ? 'The reload exceeded a Qlik Cloud limit (EXCEEDED_LIMIT).' : null);
  return {
    serverId: 'cloud',
    appId,
    reloadId,
    status,
    startedAt: isoTime(data.startTime),
    finishedAt,
    source: 'webhook',
    ...(status !== 'succeeded' && error ? { error } : {}),
  };
}

function appReloadFinished(envelope: Envelope, receivedAt: Date): ReloadObservation | string {
  const { data } = envelope;
  const appId = envelope.topLevelResourceId;
  if (!appId) return `The ${APP_RELOAD_FINISHED} event has no toplevelresourceid (the app id).`;
  const rawStatus = text(data.status)?.toLowerCase();
  const status: ReloadStatus | null = rawStatus === 'ok' ? 'succeeded' : rawStatus === 'error' ? 'failed' : null;
  if (!status) return `The ${APP_RELOAD_FINISHED} event has an unknown status ${JSON.stringify(data.status ?? null)}.`;
  const reloadId = id(data.reloadId) ?? envelope.eventId;
  if (!reloadId) return `The ${APP_RELOAD_FINISHED} event has neither data.reloadId nor an event id.`;
  const finishedAt = isoTime(data.endTime) ?? isoTime(envelope.time) ?? receivedAt.toISOString();
  const durationMs =
    typeof data.duration === 'number' && Number.isFinite(data.duration) && data.duration >= 0 ? data.duration : null;
  const error = status === 'failed' ? errorsText(data.errors) : null;
  return {
    serverId: 'cloud',
    appId,
    appName: text(data.name),
    reloadId,
    status,
    startedAt: durationMs === null ? null : new Date(Date.parse(finishedAt) - durationMs).toISOString(),
    finishedAt,
    source: 'webhook',
    ...(error ? { error } : {}),
  };
}

function reloadsStatus(status: string | null, succeeded: unknown): ReloadStatus | null {
  switch (status) {
    case 'SUCCEEDED':
      return 'succeeded';
    case 'FAILED':
    case 'EXCEEDED_LIMIT':
      return 'failed';
    case 'CANCELED':
    case 'CANCELLED':
      return 'canceled';
    default:
      // `status` is optional in the event; `succeeded` is required.
      return typeof succeeded === 'boolean' ? (succeeded ? 'succeeded' : 'failed') : null;
  }
}

/** `data.errors` holds up to five entries; Qlik documents no shape for them, so strings and `{message}` are read. */
function errorsText(errors: unknown): string | null {
  if (!Array.isArray(errors) || errors.length === 0) return null;
  const parts = errors
    .slice(0, 5)
    .map((e) =>
      typeof e === 'string'
        ? e
        : isObject(e)
          ? (text(e.message) ?? text(e.errorMessage) ?? JSON.stringify(e))
          : String(e),
    );
  return parts.join('; ').slice(0, 2000);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function id(value: unknown): string | null {
  const t = text(value);
  return t && t.length <= MAX_ID_LENGTH ? t : null;
}

function isoTime(value: unknown): string | null {
  const t = text(value);
  if (!t) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
