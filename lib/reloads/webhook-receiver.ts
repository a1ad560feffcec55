/**
 * `POST /webhooks/qlik-cloud`: Qlik Cloud's signed reload events, behind a Lambda function URL with no other
 * authentication. The order of work is the security model (DESIGN §7):
 *
 *   1. size cap (1 MiB, else 413) before the body is decoded or hashed;
 *   2. `Qlik-Signature` against the raw bytes (else 401, nothing stored, nothing parsed);
 *   3. only then JSON parsing (else 400), the age check (an event older than the deduplication window, or
 *      without a time, could be a replay the ledger no longer recognises: 400) and the tenant check (another
 *      tenant's event: 403);
 *   4. unknown event types are acknowledged and counted; reload events go through the idempotent pipeline.
 *
 * Answers stay 2xx for everything Qlik should not retry (accepted, already seen, in progress, not ours to read):
 * repeated non-2xx answers make Qlik disable the webhook.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { json, problem, type HttpResult } from '#lib/api/problem.ts';
import { logger } from '#lib/observability/logger.ts';
import { ALARMED_METRICS, countMetric } from '#lib/reloads/metrics.ts';
import { parseQlikCloudEvent } from '#lib/reloads/qlik-cloud-events.ts';
import { DEDUPLICATION_WINDOW_MS } from '#lib/reloads/reload-event.ts';
import type { ReloadPipeline } from '#lib/reloads/reload-pipeline.ts';
import type { SigningSecretCache } from '#lib/reloads/signing-secret-cache.ts';
import { verifyQlikSignature, type SignatureVerdict } from '#lib/reloads/webhook-signature.ts';

/** The contract's limit; Qlik's own events are a few KiB. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface WebhookReceiverDeps {
  secrets: Pick<SigningSecretCache, 'get' | 'refreshAfterMismatch'>;
  /** The tenant id our cloud server belongs to, or null while the reload monitor has not learned it yet. */
  expectedTenantId(): Promise<string | null>;
  /** Resolved on the first valid event only, so a rejected request never pays for building it. */
  pipeline(): Promise<Pick<ReloadPipeline, 'process'>>;
  now?: () => Date;
}

export type WebhookReceiver = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

export function createWebhookReceiver(deps: WebhookReceiverDeps): WebhookReceiver {
  const now = deps.now ?? (() => new Date());
  return async (event) => {
    // A function URL passes every method; only Qlik's POST means anything here.
    const method = event.requestContext?.http?.method;
    if (method && method !== 'POST') {
      const refused = problem(
        405,
        'Method not allowed',
        'Qlik Cloud posts its webhook deliveries; nothing else is served here.',
      );
      refused.headers.allow = 'POST';
      return refused;
    }
    const raw = rawBody(event);
    if (raw === 'too-large') {
      countMetric('WebhookRejected', { reason: 'too-large' });
      return problem(
        413,
        'Payload too large',
        `Webhook bodies are limited to ${MAX_WEBHOOK_BODY_BYTES / 1024 / 1024} MiB.`,
      );
    }

    // Started beside the secret read so a cold container pays one round trip for both; it is cached for a minute,
    // so unsigned requests cannot turn it into load.
    const tenantLookup = deps.expectedTenantId();
    tenantLookup.catch(() => undefined);
    const verdict = await verify(deps, raw, header(event, 'qlik-signature'), now());
    if (!verdict.ok) {
      countMetric('WebhookRejected', { reason: `signature-${verdict.reason}` });
      countMetric(ALARMED_METRICS.webhookSignatureRejected, { reason: verdict.reason });
      logger.warn('Webhook delivery refused: bad signature', {
        reason: verdict.reason,
        bytes: raw.byteLength,
        sourceIp: event.requestContext?.http?.sourceIp,
      });
      return problem(401, 'Unauthorized', SIGNATURE_PROBLEMS[verdict.reason]);
    }
    if (verdict.secret === 'previous')
      logger.info('Webhook delivery signed with the previous secret (rotation grace period)');

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      countMetric('WebhookRejected', { reason: 'malformed' });
      return problem(
        400,
        'Malformed event',
        raw.byteLength === 0 ? 'The body is empty.' : 'The body is not valid JSON.',
      );
    }
    const parsed = parseQlikCloudEvent(body, now());
    if (parsed.kind === 'invalid') {
      countMetric('WebhookRejected', { reason: 'invalid-event' });
      logger.warn('Webhook delivery refused: not a readable reload event', { problem: parsed.message });
      return problem(400, 'Malformed event', parsed.message);
    }

    // The ledger forgets event ids after the deduplication window, so an older event (a captured delivery sent
    // again) could not be told from a new one; Qlik itself never resends anything that old.
    const eventTime = parsed.time ? Date.parse(parsed.time) : Number.NaN;
    if (!(now().getTime() - eventTime <= DEDUPLICATION_WINDOW_MS)) {
      countMetric('WebhookRejected', { reason: 'stale' });
      logger.warn('Webhook delivery refused: older than the deduplication window, or without a time', {
        eventId: parsed.eventId,
        eventTime: parsed.time,
      });
      return problem(
        400,
        'Stale event',
        parsed.time
          ? `The event is older than the ${DEDUPLICATION_WINDOW_MS / 86_400_000}-day deduplication window.`
          : 'The event has no time.',
      );
    }

    const expectedTenant = await tenantLookup;
    if (expectedTenant && parsed.tenantId && parsed.tenantId !== expectedTenant) {
      countMetric('WebhookRejected', { reason: 'other-tenant' });
      logger.warn('Webhook delivery refused: event of another tenant', {
        eventTenantId: parsed.tenantId,
        expectedTenantId: expectedTenant,
      });
      return problem(403, 'Forbidden', 'The event belongs to another Qlik Cloud tenant than the configured one.');
    }
    if (!expectedTenant)
      logger.debug('Tenant of the cloud server not learned yet; the signature alone vouches for this event', {
        eventTenantId: parsed.tenantId,
      });

    if (parsed.kind === 'unknown') {
      countMetric('WebhookUnknownEventType', { eventType: parsed.type });
      logger.info('Webhook event of a type KPImailer does not use: acknowledged and ignored', {
        eventType: parsed.type,
        eventId: parsed.eventId,
      });
      return json(202, { status: 'ignored', reason: 'event type not used' });
    }

    // Without an event id (never seen from Qlik) the exact bytes identify a redelivery.
    const key = `cloud#${parsed.eventId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`}`;
    const outcome = await (await deps.pipeline()).process(key, parsed.observation);
    countMetric(outcome === 'processed' ? 'ReloadEventProcessed' : 'ReloadEventDuplicate', { source: 'webhook' });
    logger.info('Webhook reload event', {
      outcome,
      eventId: parsed.eventId,
      eventType: parsed.type,
      appId: parsed.observation.appId,
      status: parsed.observation.status,
    });
    return outcome === 'processed'
      ? json(202, { status: 'accepted' })
      : json(200, { status: outcome === 'duplicate' ? 'duplicate' : 'in-progress' });
  };
}

const SIGNATURE_PROBLEMS: Record<Exclude<SignatureVerdict, { ok: true }>['reason'], string> = {
  missing: 'The Qlik-Signature header is missing.',
  malformed: 'The Qlik-Signature header is not a hex HMAC-SHA256.',
  mismatch: 'The Qlik-Signature header does not match the body.',
};

async function verify(
  deps: WebhookReceiverDeps,
  raw: Buffer,
  signature: string | undefined,
  at: Date,
): Promise<SignatureVerdict> {
  if (!signature?.trim()) return { ok: false, reason: 'missing' };
  const secrets = await deps.secrets.get();
  const first = secrets
    ? verifyQlikSignature(raw, signature, secrets, at)
    : ({ ok: false, reason: 'mismatch' } as const);
  if (first.ok || first.reason !== 'mismatch') return first;
  // A secret rotated since we cached it: read it again (rate-limited inside the cache) and try once more.
  const fresh = await deps.secrets.refreshAfterMismatch();
  if (!fresh) {
    if (!secrets)
      logger.error(
        'No webhook signing secret is stored; run Test connection on the Qlik Cloud server to provision the webhook.',
      );
    return first;
  }
  return verifyQlikSignature(raw, signature, fresh, at);
}

/** The exact bytes Qlik sent: function URLs pass text bodies as they came and anything else base64-encoded. */
function rawBody(event: APIGatewayProxyEventV2): Buffer | 'too-large' {
  const body = event.body ?? '';
  // Checked on the encoded length first, so an oversized body is refused without decoding it: UTF-8 never takes
  // fewer bytes than UTF-16 code units, and base64 decodes to 3/4 of its length less up to two padding bytes.
  const leastBytes = event.isBase64Encoded ? Math.floor((body.length * 3) / 4) - 2 : body.length;
  if (leastBytes > MAX_WEBHOOK_BODY_BYTES) return 'too-large';
  const raw = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  return raw.byteLength > MAX_WEBHOOK_BODY_BYTES ? 'too-large' : raw;
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  if (headers[name] !== undefined) return headers[name];
  // Function URLs lower-case header names; other callers (tests, proxies) may not.
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found ? headers[found] : undefined;
}
